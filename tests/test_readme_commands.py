"""The README's commands, checked against the program so the README cannot drift unseen.

- Every synopsis line under "The CLI" names only options the command has, and every option the
  command has (a new one too) is on its line; every command has a line.
- Every `spendrecon ...` line in the README's ```sh blocks parses with the real CLI, and -- unless it
  needs a SAM.gov key, the network or runs forever -- runs against a copy of the demo warehouse with
  exit code 0 and, where KEY_FACTS has an entry, one key fact checked.
- Every column of every table in the demo warehouse and the archive store is documented.

Lines are read from README.md at collection time: a command or example added there is picked up with
no change here (it gets the generic exit-code check until KEY_FACTS learns its key fact).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
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
from test_end_to_end import spendrecon

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
CLI: Any = typer.main.get_command(app)  # a click group (Typer may bring its own copy of click)
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")


# --- reading the README ----------------------------------------------------------------------------

def synopsis_lines(text: str) -> list[str]:
    """The lines of the first plain ``` block after the "## The CLI" heading."""
    section = text.split("\n## The CLI\n", 1)[1]
    block = re.search(r"^```\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert block, "README: no synopsis block under '## The CLI'"
    return [line.strip() for line in block.group(1).splitlines() if line.strip().startswith("spendrecon ")]


@dataclass(frozen=True)
class Example:
    line: str  # as written, without its comment
    env: dict[str, str]
    args: list[str]  # after "spendrecon"

    @property
    def command(self) -> str:
        return self.args[0]

    @property
    def key(self) -> str:
        """What KEY_FACTS and NOT_RUN_HERE match: env assignments, then the arguments."""
        return " ".join([*(f"{k}={v}" for k, v in self.env.items()), *self.args])


def examples(text: str) -> list[Example]:
    found: dict[str, Example] = {}
    for block in re.findall(r"^[ \t]*```sh\n(.*?)^[ \t]*```", text, re.MULTILINE | re.DOTALL):
        for raw in block.splitlines():
            tokens = shlex.split(raw, comments=True)
            env = {}
            while tokens and re.match(r"^[A-Z_][A-Z0-9_]*=", tokens[0]):
                name, _, value = tokens.pop(0).partition("=")
                env[name] = value
            if tokens[:1] != ["spendrecon"]:
                continue  # make, source, xdg-open, duckdb ...
            example = Example(shlex.join(tokens), env, tokens[1:])
            found.setdefault(example.key, example)  # the same command twice is run once
    return list(found.values())


SYNOPSIS = synopsis_lines(TEXT)
EXAMPLES = examples(TEXT)


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
    assert sorted(listed) == sorted(CLI.commands), "README synopsis and `spendrecon --help` list different commands"


@pytest.mark.parametrize("line", SYNOPSIS, ids=[line.split()[1] for line in SYNOPSIS])
def test_synopsis_line_matches_the_commands_options(line):
    name = line.split()[1]
    command = CLI.commands.get(name)
    assert command is not None, f"README lists `spendrecon {name}`, which the CLI does not have"
    every, long_names = cli_options(command)
    listed = synopsis_options(line)
    assert listed <= every, f"README lists {sorted(listed - every)} for `{name}`, which it does not take"
    assert long_names <= listed, f"`{name}` takes {sorted(long_names - listed)}, missing from its README line"
    command.make_context(f"spendrecon {name}", synopsis_as_args(line))  # values of the right type


def test_the_synopsis_reader_sees_a_missing_or_unknown_option():
    """The checks above can fail: a line without --config, or with an option the command lacks."""
    line = "spendrecon report [--run-id RUN_ID] [--colour] [-v|--verbose]"
    every, long_names = cli_options(CLI.commands["report"])
    assert synopsis_options(line) - every == {"--colour"}
    assert long_names - synopsis_options(line) == {"--config"}


# --- the examples, run against the demo --------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_dir(run_flow, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder as `make demo` leaves it: the demo archive loaded, one demo run published.
    Built once (the archive with the plain functions, the run through the flow); every example then
    runs the real CLI, on the session's Prefect server when it runs a flow."""
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


def _one(folder: Path, sql: str, database: str = "spendrecon.duckdb") -> tuple:
    con = duckdb.connect(str(folder / "data" / database), read_only=True)
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.close()
    assert row is not None
    return row


def _json(out: str) -> list[dict]:
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


def _changed_since_csv(r, folder):
    assert "program_number" in r.stdout.splitlines()[0]


def _annotation_kept(r, folder):
    lines = (folder / "data" / "annotations.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["program_number"] == "97.102"
    assert _one(folder, "SELECT count(*) FROM recon.annotations") == (1,)


def _report_written(r, folder):
    assert (folder / "reports" / "latest" / "report.html").is_file()


def _awards_97102_2023(r, folder):
    # Piped, so tab-separated: the transactions behind the program-year add up to its $15M.
    header, *rows = [line.split("\t") for line in r.stdout.splitlines()]
    amounts = [Decimal(row[header.index("obligation")]) for row in rows]
    assert rows and sum(amounts) == Decimal("15000000.00")


def _awards_loans_json(r, folder):
    rows = _json(r.stdout)
    assert 0 < len(rows) <= 5 and all(a["face_value_of_loan"] > a["obligation"] for a in rows)


def _demo_run_again(r, folder):
    assert _one(folder, "SELECT count(*) FILTER (WHERE status = 'succeeded' AND mode = 'demo') FROM meta.runs") == (2,)
    assert _one(folder, "SELECT count(*) FROM recon.findings WHERE status <> 'resolved'") == (5008,)


def _archive_mode_run(r, folder):
    _demo_run_again(r, folder)
    reason = _one(folder, "SELECT explanation_reason FROM recon.findings WHERE program_number = '84.268' "
                          "AND fiscal_year = 2022")[0]
    assert "matches the loan face value on USAspending ($89,142,682,000.00)" in reason


def _demo_archive_again(r, folder):
    assert _one(folder, "SELECT count(*) FROM meta.archive_files", "usaspending_archive.duckdb") == (6,)
    assert r.stdout.count("skipped") >= 6  # same bytes, recognised by checksum


def _program_in_output(program: str) -> Check:
    def check(r, folder):
        assert program in r.stdout
    return check


# One key fact per command; matched (re.search) against the example's env assignments and arguments.
# The first match wins; an example with none gets the generic exit-code check only.
KEY_FACTS: list[tuple[str, Check]] = [
    (r"^SPENDRECON_USASPENDING_MODE=archive run --demo$", _archive_mode_run),
    (r"^run --demo$", _demo_run_again),
    (r"^findings --program 97\.102 --format json$", _findings_json_97102),
    (r"^findings --program 97\.102 --fiscal-year 2022 --format csv$", _findings_csv_97102_2022),
    (r"^findings --rule estimate_only --all --format json$", _estimate_only_json),
    (r"^findings --changed-since \S+ --format csv$", _changed_since_csv),
    (r"^findings --rule amount_mismatch --fiscal-year 2022$", _program_in_output("84.268")),
    (r"^findings --program 97\.102", _program_in_output("97.102")),
    (r"^findings --program 84\.268", _program_in_output("84.268")),
    (r"^annotate 97\.102 ", _annotation_kept),
    (r"^report$", _report_written),
    (r"^awards --program 97\.102 --fiscal-year 2023", _awards_97102_2023),
    (r"^awards -p 84\.268 -y 2023 -n 5 -f json$", _awards_loans_json),
    (r"^ingest-archive --demo$", _demo_archive_again),
]

# Parsed against the CLI, but not run here.
NOT_RUN_HERE: list[tuple[str, str]] = [
    (r"^run(?!.*--demo)", "a live run needs SAM_API_KEY and the network"),
    (r"^serve\b", "runs until stopped (tests/test_serve.py runs it)"),
    (r"https?://", "downloads from the network"),
    (r"^ingest-archive (?!--demo)\S+\.zip", "real archive files, which the repository does not hold"),
]


def _parses(example: Example, run_id: str) -> list[str]:
    command = CLI.commands.get(example.command)
    assert command is not None, f"README runs `spendrecon {example.command}`, which the CLI does not have"
    args = [run_id if RUN_ID.match(a) else a for a in example.args[1:]]
    command.make_context(f"spendrecon {example.command}", list(args))  # unknown options fail here
    return [example.command, *args]


@pytest.mark.flow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.key for e in EXAMPLES])
def test_readme_example_runs_against_the_demo(example: Example, demo_dir: Path, tmp_path: Path,
                                              prefect_env: dict[str, str]):
    run_id = _one(demo_dir, "SELECT min(run_id) FROM meta.runs")[0]
    args = _parses(example, run_id)
    skip = next((why for pattern, why in NOT_RUN_HERE if re.search(pattern, example.key)), None)
    if skip:
        pytest.skip(f"parsed, not run: {skip}")
    folder = tmp_path / "work"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("prefect"))  # commands may write
    result = spendrecon(folder, *args, env={**example.env, **prefect_env, "COLUMNS": "200"})
    assert result.returncode == 0, f"`{example.line}` failed:\n{result.stderr[-3000:]}"
    check = next((c for pattern, c in KEY_FACTS if re.search(pattern, example.key)), None)
    if check is not None:
        check(result, folder)


def test_the_readme_has_examples_to_run():
    """A reader that finds nothing would pass vacuously."""
    assert len(EXAMPLES) >= 12 and any(e.command == "awards" for e in EXAMPLES)
    assert sum(1 for e in EXAMPLES if any(re.search(p, e.key) for p, _ in KEY_FACTS)) >= 10


# --- columns ---------------------------------------------------------------------------------------

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
    """The README's text about ``table``: from its bold heading to the next bold heading or section,
    plus the text of a table it says it has "the columns of"."""
    start = TEXT.find(f"**`{table}`**")
    assert start >= 0, f"README does not document {table} (expected a **`{table}`** heading)"
    rest = TEXT[start + len(table) + 6:]
    end = re.search(r"\n\*\*`|\n#", rest)
    text = rest[:end.start()] if end else rest
    for other in re.findall(r"the columns of `(\w+\.\w+)`", text):
        if other != table:
            text += _documented(other)
    return text


def test_every_column_of_the_demo_warehouse_and_archive_store_is_documented(demo_dir):
    tables = {**_columns(demo_dir / "data" / "spendrecon.duckdb"),
              **_columns(demo_dir / "data" / "usaspending_archive.duckdb")}
    assert "recon.program_year" in tables and "raw.archive_transactions" in tables
    missing = {}
    for table, columns in sorted(tables.items()):
        text = _documented(table)
        absent = [c for c in columns if f"`{c}`" not in text]
        if absent:
            missing[table] = absent
    assert not missing, f"columns the README does not document: {missing}"
