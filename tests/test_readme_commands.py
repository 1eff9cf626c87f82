"""The README's and the docs' commands and SQL, run as written, so that the manual cannot drift unseen.

- Every synopsis line in docs/cli.md names only options the command has, and every option the command
  has (a new one too) is on its line; every command has a line.
- Every `spendrecon` command in a ```sh block and every statement of a ```sql block of README.md,
  CONTRIBUTING.md and docs/*.md runs verbatim (through bash, pipes and all) in ONE demo folder, made
  once as `make demo` leaves it: README.md first, then CONTRIBUTING.md, then docs/ by name, with
  docs/demo.md last (its demo with a past moves the warehouse on two years). A command must exit 0; a
  listing command must print at least one row; where KEY_FACTS has an entry, its key fact must hold
  right after it. Every SQL statement must return at least one row.
- A block opts out with a marker on the line just before it: `<!-- not run: why -->` (a ```sh block
  needing a SAM.gov key, the network, or running until stopped: its commands are parsed against the
  CLI, not run) or `<!-- may be empty: why -->` (an answer that may rightly be empty).
- No block carries a run id from anyone's machine.
- Every column of every table in the demo warehouse and the archive store is documented in
  docs/warehouse.md.

Blocks are read at collection time: a command or query added to a page is picked up with no change
here (it gets the generic checks until KEY_FACTS learns its key fact).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import typer.main

from spendrecon.archive_ingest import ArchiveConfig, ingest_sources
from spendrecon.cli import DEMO_FISCAL_YEARS, app
from spendrecon.config import load_settings
from spendrecon.demo.archive import write_demo_archive
from spendrecon.pipeline import plan_run

ROOT = Path(__file__).resolve().parents[1]
LAST = ROOT / "docs" / "demo.md"  # the demo with a past: run last, it moves the warehouse on
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md",
         *sorted(p for p in (ROOT / "docs").glob("*.md") if p != LAST), LAST]
CLI: Any = typer.main.get_command(app)  # a click group (Typer may bring its own copy of click)
RUN_ID = re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{4}\b")
MARKER = re.compile(r"^<!-- (not run|may be empty): (\S.*?) -->$")
LISTINGS = {"findings", "runs", "sql", "history", "awards"}  # commands whose answer is rows


# --- reading the pages -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    page: str  # relative to the repository
    line: int  # of the opening fence
    lang: str
    text: str
    marker: tuple[str, str] | None  # ("not run" | "may be empty", why)


def blocks(path: Path) -> list[Block]:
    """The ```sh and ```sql blocks of a page, each with the marker on the line just before it."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^\s*```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if re.match(r"^\s*```\s*$", lines[j]))
        marker = MARKER.match(lines[i - 1].strip()) if i else None
        if fence.group(1) in ("sh", "sql"):
            found.append(Block(path.relative_to(ROOT).as_posix(), i + 1, fence.group(1),
                               "\n".join(lines[i + 1:end]), (marker.group(1), marker.group(2)) if marker else None))
        i = end + 1
    return found


def simple_commands(line: str) -> list[list[str]]:
    """The simple commands of a shell line, split at | && ; and redirections, each without its leading
    VAR=value assignments; then those inside "$(...)"."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    commands: list[list[str]] = [[]]
    for token in tokens:
        if re.fullmatch(r"[|&;<>()]+", token):
            commands.append([])
        else:
            commands[-1].append(token)
    inner = [sub for token in tokens for found in re.findall(r"\$\(([^()]*)\)", token)
             for sub in simple_commands(found)]
    stripped = []
    for command in commands:
        while command and re.match(r"^[A-Z_][A-Z0-9_]*=", command[0]):
            command = command[1:]
        if command:
            stripped.append(command)
    return stripped + inner


@dataclass(frozen=True)
class Step:
    block: Block
    kind: str  # "command" or "sql"
    text: str  # the shell line, or one SQL statement
    number: int  # its place in the block

    @property
    def id(self) -> str:
        short = " ".join(self.text.split())
        return f"{self.block.page}:{self.block.line}#{self.number} {short[:90]}"

    @property
    def key(self) -> str:
        """What KEY_FACTS matches: the shell line without its comment, words single-spaced."""
        return " ".join(shlex.split(self.text, comments=True))

    @property
    def runs(self) -> bool:
        return not (self.block.marker and self.block.marker[0] == "not run")

    @property
    def may_be_empty(self) -> bool:
        return bool(self.block.marker and self.block.marker[0] == "may be empty")


def steps(block: Block) -> list[Step]:
    if block.lang == "sql":
        return [Step(block, "sql", s.query.strip().rstrip(";").strip(), n)
                for n, s in enumerate(duckdb.extract_statements(block.text), 1)]
    lines = [line.strip() for line in block.text.splitlines()]
    return [Step(block, "command", line, n) for n, line in enumerate(lines, 1)
            if line and not line.startswith("#") and any(c[0] == "spendrecon" for c in simple_commands(line))]


BLOCKS = [b for page in PAGES for b in blocks(page)]
STEPS = [s for b in BLOCKS for s in steps(b)]


def synopsis_lines() -> list[str]:
    """The lines of the plain ``` block under docs/cli.md's "## Synopsis"."""
    section = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8").split("\n## Synopsis\n", 1)[1]
    block = re.search(r"^```\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert block, "docs/cli.md: no synopsis block under '## Synopsis'"
    return [line.strip() for line in block.group(1).splitlines() if line.strip().startswith("spendrecon ")]


SYNOPSIS = synopsis_lines()


# --- synopsis against the CLI ----------------------------------------------------------------------

# Values for the synopsis's placeholders, so that each line can be parsed as a command.
PLACEHOLDERS = {"ALN": "97.102", "FISCAL_YEAR": "2022", "N": "2", "ID": "amount_mismatch",
                "RUN_ID": "20261127T214545Z-6e14", "FILE": "spendrecon.yaml", "TEXT": "a note",
                "NAME": "an analyst", "PATH_OR_URL": "FY2023_All_Assistance_Full_20251206.zip"}


def synopsis_options(line: str) -> set[str]:
    return {alt for token in line.split()[2:] for alt in token.strip("[]").split("|") if alt.startswith("-")}


def synopsis_as_args(line: str) -> list[str]:
    """The line with every optional part included: -p|--program -> --program, table|csv -> table."""
    args = []
    for token in line.split()[2:]:
        token = token.strip("[]")
        if token == "...":
            continue
        alternatives = token.split("|")
        token = alternatives[-1] if all(a.startswith("-") for a in alternatives) else alternatives[0]
        args.append(PLACEHOLDERS.get(token, token))
    return args


def cli_options(command: Any) -> tuple[set[str], set[str]]:
    """(every option name, the long names that must be on the synopsis line)."""
    names: set[str] = set()
    for param in command.params:
        if param.param_type_name == "option":
            names.update(param.opts + param.secondary_opts)
    return names, {n for n in names if n.startswith("--")}


def test_every_command_has_one_synopsis_line():
    listed = [line.split()[1] for line in SYNOPSIS]
    assert sorted(listed) == sorted(CLI.commands), "docs/cli.md synopsis and `spendrecon --help` list different commands"


@pytest.mark.parametrize("line", SYNOPSIS, ids=[line.split()[1] for line in SYNOPSIS])
def test_synopsis_line_matches_the_commands_options(line):
    name = line.split()[1]
    command = CLI.commands.get(name)
    assert command is not None, f"docs/cli.md lists `spendrecon {name}`, which the CLI does not have"
    every, long_names = cli_options(command)
    listed = synopsis_options(line)
    assert listed <= every, f"docs/cli.md lists {sorted(listed - every)} for `{name}`, which it does not take"
    assert long_names <= listed, f"`{name}` takes {sorted(long_names - listed)}, missing from its docs/cli.md line"
    command.make_context(f"spendrecon {name}", synopsis_as_args(line))  # values of the right type


def test_the_synopsis_reader_sees_a_missing_or_unknown_option():
    """The checks above can fail: a line without --config, or with an option the command lacks."""
    line = "spendrecon report [--run-id RUN_ID] [--colour] [-v|--verbose]"
    every, long_names = cli_options(CLI.commands["report"])
    assert synopsis_options(line) - every == {"--colour"}
    assert long_names - synopsis_options(line) == {"--config"}


# --- the pages' blocks -----------------------------------------------------------------------------

def test_the_pages_have_commands_and_queries_to_run():
    """A reader that finds nothing would pass vacuously."""
    run = [s for s in STEPS if s.runs]
    assert sum(1 for s in run if s.kind == "command") >= 25 and sum(1 for s in run if s.kind == "sql") >= 10
    assert {c[1] for s in run if s.kind == "command" for c in simple_commands(s.text)
            if c[0] == "spendrecon"} >= {"findings", "awards", "annotate", "report", "runs", "sql", "history", "verify"}
    assert sum(1 for s in run if s.kind == "command" and any(re.search(p, s.key) for p, _ in KEY_FACTS)) >= 10
    assert {s.block.page for s in run} >= {"README.md", "docs/warehouse.md", "docs/demo.md"}


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.page}:{b.line}" for b in BLOCKS])
def test_no_block_carries_a_run_id(block: Block):
    found = RUN_ID.search(block.text)
    assert not found, (f"{block.page}:{block.line}: {found.group()} is a run on someone's machine; use "
                       "`spendrecon runs`, a subquery on meta.runs, or a day (--changed-since YYYY-MM-DD)")


def test_markers_stand_just_before_a_block_they_fit():
    """A marker anywhere else would excuse nothing, silently; `not run` fits sh blocks only."""
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not MARKER.match(line.strip()):
                continue
            where = f"{page.relative_to(ROOT)}:{i + 1}"
            fence = re.match(r"^\s*```(\w*)\s*$", lines[i + 1]) if i + 1 < len(lines) else None
            assert fence and fence.group(1) in ("sh", "sql"), f"{where}: a marker must stand just before a sh or sql block"
            assert not (line.strip().startswith("<!-- not run") and fence.group(1) == "sql"), \
                f"{where}: every SQL block runs; `may be empty` is its only marker"
    assert any(b.marker and b.marker[0] == "not run" for b in BLOCKS)


def test_the_block_reader_splits_shell_lines_and_sql_statements():
    """What the runner relies on: commands found inside pipes and $(...), env assignments set aside,
    one step per SQL statement."""
    line = 'X=1 spendrecon report --run-id "$(spendrecon runs -n 0 -f tsv | tail -1 | cut -f1)"  # a comment'
    assert simple_commands(line) == [["spendrecon", "report", "--run-id", "$(spendrecon runs -n 0 -f tsv | tail -1 | cut -f1)"],
                                     ["spendrecon", "runs", "-n", "0", "-f", "tsv"], ["tail", "-1"], ["cut", "-f1"]]
    block = Block("x.md", 1, "sql", "-- one\nSELECT 1;\n\n-- two\nSELECT 2\nFROM range(1);", None)
    assert [s.text for s in steps(block)] == ["-- one\nSELECT 1", "-- two\nSELECT 2\nFROM range(1)"]


@pytest.mark.parametrize("step", [s for s in STEPS if s.kind == "command"],
                         ids=[s.id for s in STEPS if s.kind == "command"])
def test_each_command_parses_with_the_real_cli(step: Step):
    for command in simple_commands(step.text):
        if command[0] != "spendrecon":
            continue
        sub = CLI.commands.get(command[1])
        assert sub is not None, f"{step.id}: `spendrecon {command[1]}` is no command of the CLI"
        sub.make_context(f"spendrecon {command[1]}", list(command[2:]))  # unknown options fail here


# --- running them, in one demo folder --------------------------------------------------------------

def _one(folder: Path, sql: str, database: str = "spendrecon.duckdb") -> tuple:
    con = duckdb.connect(str(folder / "data" / database), read_only=True)
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.close()
    assert row is not None
    return row


def _json(out: str) -> Any:
    return json.loads(out, parse_float=Decimal)


def _csv(out: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(out)))


Check = Callable[[subprocess.CompletedProcess[str], Path], None]


def _findings_json_97102(r, folder):
    rows = _json(r.stdout)
    assert {(f["fiscal_year"], f["rule_id"]) for f in rows} >= {(2022, "actual_not_in_usaspending")}
    assert {f["program_number"] for f in rows} == {"97.102"}


def _findings_csv_97102_2022(r, folder):
    rows = _csv(r.stdout)
    assert rows and {(f["program_number"], f["fiscal_year"]) for f in rows} == {("97.102", "2022")}


def _estimate_only_json(r, folder):
    rows = _json(r.stdout)
    assert len(rows) == 1879 and {f["rule_id"] for f in rows} == {"estimate_only"}
    assert {f["sam_figure"] for f in rows} == {"estimate"}  # labelled: it is no actual


def _changed_since_a_day(r, folder):
    # Every demo finding was new in a run started today, after any day a page names.
    rows = _csv(r.stdout)
    assert len(rows) >= 5008 and {"new", "open"} & {f["status"] for f in rows}


def _leads(r, folder):
    header, *rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == 226 and rows[0][header.index("triage")] == "lead"


def _annotation_kept(r, folder):
    lines = (folder / "data" / "annotations.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["program_number"] == "97.102"  # this review, appended last
    assert _one(folder, "SELECT count(*) FROM recon.annotations") == (len(lines),)


def _report_written(r, folder):
    assert (folder / "reports" / "latest" / "report.html").is_file()


def _oldest_report_rewritten(r, folder):
    oldest = _one(folder, "SELECT min(run_id) FROM meta.runs")[0]
    newest = _one(folder, "SELECT max(run_id) FROM meta.runs WHERE status = 'succeeded'")[0]
    assert (folder / "reports" / oldest / "summary.md").is_file()
    assert (folder / "reports" / "latest").resolve().name == newest  # latest stays the newest run's


def _awards_97102_2023(r, folder):
    # Piped, so tab-separated: the transactions behind the program-year add up to its $15M.
    header, *rows = [line.split("\t") for line in r.stdout.splitlines()]
    amounts = [Decimal(row[header.index("obligation")]) for row in rows]
    assert rows and sum(amounts) == Decimal("15000000.00")


def _awards_loans_json(r, folder):
    rows = _json(r.stdout)
    assert 0 < len(rows) <= 5 and all(a["face_value_of_loan"] > a["obligation"] for a in rows)


def _demo_run_again(r, folder):
    """Re-running the demo is safe: the same 5,008 findings, none new."""
    status, mode, as_of, new, open_ = _one(folder, "SELECT status, mode, as_of, findings_new, findings_open "
                                                   "FROM meta.runs ORDER BY started_at DESC LIMIT 1")
    assert (status, mode, as_of, new, open_) == ("succeeded", "demo", date(2024, 2, 15), 0, 5008)


def _archive_mode_run(r, folder):
    _demo_run_again(r, folder)
    reason = _one(folder, "SELECT explanation_reason FROM recon.findings WHERE program_number = '84.268' "
                          "AND fiscal_year = 2022")[0]
    assert "matches the loan face value on USAspending ($89,142,682,000.00)" in reason


def _vintage(as_of: date) -> Check:
    def check(r, folder):
        assert _one(folder, "SELECT status, as_of FROM meta.runs ORDER BY started_at DESC LIMIT 1") == ("succeeded", as_of)
    return check


def _demo_archive_again(r, folder):
    assert _one(folder, "SELECT count(*) FROM meta.archive_files", "usaspending_archive.duckdb") == (6,)
    assert r.stdout.count("skipped") >= 6  # same bytes, recognised by checksum


def _program_in_output(program: str) -> Check:
    def check(r, folder):
        assert program in r.stdout
    return check


# One key fact per command; matched (re.search) against the step's key (the line without its comment).
# The first match wins; a command with none gets the generic checks only.
KEY_FACTS: list[tuple[str, Check]] = [
    (r"^SPENDRECON_USASPENDING_MODE=archive spendrecon run --demo$", _archive_mode_run),
    (r"^spendrecon run --demo$", _demo_run_again),
    (r"^spendrecon run --demo --demo-vintage 2$", _vintage(date(2024, 8, 15))),
    (r"^spendrecon run --demo --demo-vintage 5$", _vintage(date(2026, 1, 15))),
    (r"^spendrecon findings --leads$", _leads),
    (r"^spendrecon findings --program 97\.102 --format json$", _findings_json_97102),
    (r"^spendrecon findings --program 97\.102 --fiscal-year 2022 --format csv$", _findings_csv_97102_2022),
    (r"^spendrecon findings --rule estimate_only --all --format json$", _estimate_only_json),
    (r"^spendrecon findings --changed-since \d{4}-\d{2}-\d{2} --format csv$", _changed_since_a_day),
    (r"^spendrecon findings --rule amount_mismatch --fiscal-year 2022$", _program_in_output("84.268")),
    (r"^spendrecon findings --program 97\.102", _program_in_output("97.102")),
    (r"^spendrecon findings --program 84\.268", _program_in_output("84.268")),
    (r"^spendrecon annotate 97\.102 ", _annotation_kept),
    (r"^spendrecon report$", _report_written),
    (r"^spendrecon report --run-id \$\(spendrecon runs -n 0", _oldest_report_rewritten),
    (r"^spendrecon awards --program 97\.102 --fiscal-year 2023", _awards_97102_2023),
    (r"^spendrecon awards -p 84\.268 -y 2023 -n 5 -f json$", _awards_loans_json),
    (r"^spendrecon ingest-archive --demo$", _demo_archive_again),
]


def _format(command: list[str]) -> str:
    for flag in ("-f", "--format"):
        if flag in command[:-1]:
            return command[command.index(flag) + 1]
    return "tsv"  # not a terminal


def _has_rows(out: str, fmt: str) -> bool:
    if fmt == "json":
        return bool(_json(out))
    if fmt == "csv":
        return bool(_csv(out))
    if fmt == "table":
        return bool(out.strip()) and not out.lstrip().startswith("no ")
    return len(out.splitlines()) >= 2  # a header and a row


def _run_command(step: Step, folder: Path, env: dict[str, str]) -> str | None:
    """Run the line as bash would; what went wrong, or None."""
    result = subprocess.run(["bash", "-c", "set -o pipefail\n" + step.text], cwd=folder, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return f"exit {result.returncode}:\n{result.stderr[-3000:]}"
    [first, *rest] = simple_commands(step.text)
    if first[0] == "spendrecon" and first[1] in LISTINGS and not step.may_be_empty and not re.search(r"[|>]", step.key):
        if not _has_rows(result.stdout, _format(first)):
            return f"printed no row (mark the block `<!-- may be empty: why -->` if that is right):\n{result.stdout[:500]}"
    check = next((c for pattern, c in KEY_FACTS if re.search(pattern, step.key)), None)
    if check is not None:
        try:
            check(result, folder)
        except AssertionError as exc:
            return f"its key fact ({check.__name__}) does not hold: {exc}\nstdout: {result.stdout[:1500]}"
    return None


def _run_sql(step: Step, folder: Path) -> str | None:
    con = duckdb.connect(str(folder / "data" / "spendrecon.duckdb"), read_only=True)
    try:
        rows = con.execute(step.text).fetchall()
    except duckdb.Error as exc:
        return f"failed: {exc}"
    finally:
        con.close()
    if not rows and not step.may_be_empty:
        return "returned no row (mark the block `<!-- may be empty: why -->` if that is right)"
    return None


def _shell_env(more: dict[str, str]) -> dict[str, str]:
    """This interpreter's `spendrecon` first on PATH (the one `source .venv/bin/activate` gives), no
    setting of ours or Prefect's from the calling shell, a wide terminal's COLUMNS."""
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "spendrecon").exists(), f"no spendrecon command beside {sys.executable}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API"))}
    env.update(more, COLUMNS="200", PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}")
    return env


def test_the_runner_fails_an_error_and_an_empty_answer_unless_the_block_may_be_empty(tmp_path: Path):
    """The checks the walkthrough applies can fail (no Prefect needed: nothing here runs a flow)."""
    (tmp_path / "data").mkdir()
    con = duckdb.connect(str(tmp_path / "data" / "spendrecon.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()

    def one(lang: str, text: str, marker: tuple[str, str] | None = None) -> Step:
        [step] = steps(Block("x.md", 1, lang, text, marker))
        return step

    assert "returned no row" in (_run_sql(one("sql", "SELECT * FROM t;"), tmp_path) or "")
    assert _run_sql(one("sql", "SELECT * FROM t;", ("may be empty", "why")), tmp_path) is None
    assert (_run_sql(one("sql", "SELECT * FROM nowhere;"), tmp_path) or "").startswith("failed")
    env = _shell_env({})
    assert "printed no row" in (_run_command(one("sh", 'spendrecon sql "SELECT * FROM t"'), tmp_path, env) or "")
    assert _run_command(one("sh", 'spendrecon sql "SELECT * FROM t"', ("may be empty", "why")), tmp_path, env) is None
    assert (_run_command(one("sh", "spendrecon findings --program 99.999"), tmp_path, env) or "").startswith("exit 1")


@pytest.fixture(scope="module")
def demo_folder(run_flow, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ONE working folder as `make demo` leaves it: the demo archive loaded (with the plain functions),
    one demo run published (through the flow)."""
    folder = tmp_path_factory.mktemp("readme_demo")
    data = folder / "data"
    files = write_demo_archive(data / "demo_archive")
    cfg = ArchiveConfig(store=data / "usaspending_archive.duckdb", download_dir=data / "archive_downloads", workers=2)
    assert ingest_sources([str(p) for p in files], cfg).failed is None
    settings = load_settings(None, overrides={
        "fiscal_years": DEMO_FISCAL_YEARS, "warehouse": str(data / "spendrecon.duckdb"), "data_dir": str(data),
        "reports_dir": str(folder / "reports")}, environ={})
    assert run_flow(plan_run(settings, demo=True)).status == "succeeded"
    return folder


@pytest.fixture(scope="module")
def walkthrough(demo_folder: Path, prefect_env: dict[str, str]) -> dict[str, str | None]:
    """Every step of every page, in order, in the one demo folder (a flow runs on the session's Prefect
    server). Each step's outcome: None, or what went wrong."""
    env = _shell_env(prefect_env)
    outcome: dict[str, str | None] = {}
    for step in STEPS:
        if step.runs:
            outcome[step.id] = (_run_command(step, demo_folder, env) if step.kind == "command"
                                else _run_sql(step, demo_folder))
    return outcome


@pytest.mark.parametrize("step", [pytest.param(s, marks=pytest.mark.flow) for s in STEPS if s.runs],
                         ids=[s.id for s in STEPS if s.runs])
def test_each_command_and_query_runs_in_the_demo_folder(step: Step, walkthrough: dict[str, str | None]):
    problem = walkthrough[step.id]
    assert problem is None, f"{step.block.page}:{step.block.line}: `{step.text}` {problem}"


# --- columns ---------------------------------------------------------------------------------------

WAREHOUSE_PAGE = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")


def _columns(path: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT table_schema || '.' || table_name, list(column_name ORDER BY ordinal_position) "
                           "FROM information_schema.columns WHERE table_catalog = current_database() "
                           "GROUP BY ALL").fetchall()
    finally:
        con.close()
    return dict(rows)


def _documented(table: str) -> str:
    """docs/warehouse.md's text about ``table``: from its bold heading to the next bold heading or
    section, plus the text of a table it says it has "the columns of"."""
    start = WAREHOUSE_PAGE.find(f"**`{table}`**")
    assert start >= 0, f"docs/warehouse.md does not document {table} (expected a **`{table}`** heading)"
    rest = WAREHOUSE_PAGE[start + len(table) + 6:]
    end = re.search(r"\n\*\*`|\n#", rest)
    text = rest[:end.start()] if end else rest
    for other in re.findall(r"the columns of `(\w+\.\w+)`", text):
        if other != table:
            text += _documented(other)
    return text


def test_every_column_of_the_demo_warehouse_and_archive_store_is_documented(demo_folder):
    demo_tables = {**_columns(demo_folder / "data" / "spendrecon.duckdb"),
                   **_columns(demo_folder / "data" / "usaspending_archive.duckdb")}
    assert "recon.program_year" in demo_tables and "raw.archive_transactions" in demo_tables
    missing = {}
    for table, columns in sorted(demo_tables.items()):
        text = _documented(table)
        absent = [c for c in columns if f"`{c}`" not in text]
        if absent:
            missing[table] = absent
    assert not missing, f"columns docs/warehouse.md does not document: {missing}"
