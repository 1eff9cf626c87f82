"""The command line as a newcomer meets it in the first hour, and as a scheduler runs it every day:
the habits of git and gh (-h, --version, usage errors, pipes), answers that say what was wrong, and
the commands that list runs and run SQL. Each test runs the real command (a subprocess, or the
installed app in-process where only its output is read)."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import typer.main
from typer.testing import CliRunner

from cli_testkit import clean_env, demo_config
from spendrecon.cli import app

REPO = Path(__file__).resolve().parents[1]
CLI = typer.main.get_command(app)
HINT = re.compile(r"^hint: 'spendrecon( [a-z-]+)? --help' shows (its options and an example|the commands)$")


def spendrecon(cwd: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "spendrecon.cli", *args], cwd=cwd, env=clean_env(**env),
                          capture_output=True, text=True, timeout=600, input=stdin)


@pytest.fixture(scope="module")
def config(tmp_path_factory, demo_warehouse_path):
    return demo_config(tmp_path_factory.mktemp("first_hour"), demo_warehouse_path)


# --- habits --------------------------------------------------------------------------------------

def test_version_and_short_help(tmp_path):
    from importlib.metadata import version

    result = spendrecon(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout == f"spendrecon {version('spendrecon')}\n"
    for args in (("-h",), ("findings", "-h"), ("run", "-h")):
        shown = spendrecon(tmp_path, *args)
        assert shown.returncode == 0 and shown.stdout.startswith("Usage: spendrecon"), shown.stderr


@pytest.mark.parametrize("name", sorted(CLI.commands))
def test_help_has_no_type_tags_and_shows_an_example(name):
    text = CliRunner().invoke(app, [name, "--help"]).stdout
    assert not re.search(r"<(str|int|bool|path|float)>|\b(TEXT|INTEGER|BOOLEAN|FLOAT)\b", text), text
    assert "Example" in text and f"spendrecon {name}" in text.split("Example", 1)[1]


LISTING = {"findings": ("-p", "-y", "-f"), "history": ("-y", "-f"), "awards": ("-p", "-y", "-f"),
           "runs": ("-f",), "sql": ("-f",), "ingest-archive": ("-f",)}


@pytest.mark.parametrize("name", sorted(LISTING))
def test_listing_commands_share_short_flags_and_show_the_format_choices(name):
    command = CLI.commands[name]
    names = {opt for p in command.params for opt in p.opts}
    assert set(LISTING[name]) <= names
    assert "<table|tsv|csv|json>" in CliRunner().invoke(app, [name, "--help"]).stdout


@pytest.mark.parametrize("args, first", [
    (("findings", "--bogus"), "error: no such option: --bogus"),
    (("findings", "-f", "xml"), "error: invalid value for '--format' / '-f': 'xml' is not one of 'table', 'tsv', "
                                "'csv', 'json'."),
    (("runs", "--format", "yaml"), "error: invalid value for '--format' / '-f': 'yaml' is not one of"),
    (("annotate", "97.102", "2022", "--status", "maybe"), "error: invalid value for '--status' / '-s'"),
    (("run", "--demo", "--fiscal-years", "2023-2019"), "error: --fiscal-years: fiscal year range '2023-2019' runs "
                                                       "backwards"),
    (("bogus",), "error: no such command 'bogus'."),
])
def test_a_usage_error_is_an_error_line_then_a_hint_and_exit_2(tmp_path, args, first):
    result = spendrecon(tmp_path, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith(first), lines
    assert HINT.match(lines[1]), lines[1]


def test_a_closed_pipe_ends_quietly_with_exit_0(config):
    # The reader is gone before the first line is written, as `| head -3` is after three lines.
    proc = subprocess.Popen([sys.executable, "-m", "spendrecon.cli", "findings", "--format", "table",
                             "--config", str(config)], cwd=config.parent, env=clean_env(COLUMNS="80"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    error = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert error == ""


# --- findings: at stake everywhere, empty answers that say so ------------------------------------

def test_at_stake_is_in_every_format_and_is_the_stored_figure(config):
    con = duckdb.connect(str(config.parent / "data" / "spendrecon.duckdb"), read_only=True)
    try:
        stored = dict(((p, y, r), s) for p, y, r, s in con.execute(
            "SELECT program_number, fiscal_year, rule_id, at_stake FROM recon.findings "
            "WHERE program_number = '97.102'").fetchall())
    finally:
        con.close()
    as_json = json.loads(spendrecon(config.parent, "findings", "-p", "97.102", "-f", "json").stdout, parse_float=Decimal)
    as_csv = list(csv.DictReader(io.StringIO(spendrecon(config.parent, "findings", "-p", "97.102", "-f", "csv").stdout)))
    as_tsv = list(csv.DictReader(io.StringIO(spendrecon(config.parent, "findings", "-p", "97.102", "-f", "tsv").stdout),
                                 delimiter="\t"))
    for rows in (as_json, as_csv, as_tsv):
        assert len(rows) == 3
        for r in rows:
            assert Decimal(str(r["at_stake"])) == stored[(r["program_number"], int(r["fiscal_year"]), r["rule_id"])]
    assert {r["at_stake"] for r in as_json} == {Decimal("15000000.00"), Decimal("5000000.00")}


def test_a_year_the_warehouse_never_saw_is_named_and_an_empty_answer_says_so(config):
    result = spendrecon(config.parent, "findings", "--fiscal-year", "1999")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("error: FY1999 is in neither SAM.gov nor USAspending data in this warehouse "
                             "(it holds FY2019-FY2023)\n")
    assert spendrecon(config.parent, "history", "97.102", "-y", "1999").stderr.startswith("error: FY1999 is in")
    quiet = CliRunner().invoke(app, ["findings", "-p", "97.102", "-y", "2019", "-f", "table", "-c", str(config)])
    assert quiet.exit_code == 0
    assert quiet.stdout.strip() == "no open findings for program 97.102, FY2019 (--all includes resolved ones)"


def test_a_near_miss_program_finds_its_neighbour_and_an_aln_without_its_dot_is_read(config):
    result = spendrecon(config.parent, "findings", "--program", "97.103")
    assert result.returncode == 1
    assert result.stderr.rstrip().split("closest known: ")[1].startswith("97.102")
    undotted = spendrecon(config.parent, "findings", "-p", "97102", "-f", "json")
    assert undotted.returncode == 0 and {r["program_number"] for r in json.loads(undotted.stdout)} == {"97.102"}
    assert "closest known: 97.102" in spendrecon(config.parent, "history", "97103").stderr


# --- runs and sql --------------------------------------------------------------------------------

def test_runs_lists_the_runs_and_its_id_feeds_changed_since(config):
    listed = spendrecon(config.parent, "runs", "-f", "json")
    assert listed.returncode == 0, listed.stderr
    [run] = json.loads(listed.stdout)
    assert run["status"] == "succeeded" and run["mode"] == "demo" and run["findings_open"] == 5008
    assert run["started_at"] and run["fiscal_years"] == [2019, 2020, 2021, 2022, 2023]
    tsv = spendrecon(config.parent, "runs", "-n", "1", "-f", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:3] == ["run_id", "started_at", "status"] and tsv[1].split("\t")[0] == run["run_id"]
    since = spendrecon(config.parent, "findings", "--changed-since", run["run_id"], "-f", "csv")
    assert since.returncode == 0 and since.stdout.startswith("run_id,program_number")
    table = CliRunner().invoke(app, ["runs", "-f", "table", "-c", str(config)])
    assert run["run_id"] in table.stdout and "succeeded" in table.stdout


def test_sql_reads_in_every_format_and_never_writes(config):
    query = ("SELECT rule_id, count(*) AS open, sum(at_stake) AS at_stake FROM recon.findings "
             "WHERE counts_as_open(status, out_of_window, rule_disabled) GROUP BY ALL ORDER BY open DESC")
    rows = json.loads(spendrecon(config.parent, "sql", "-f", "json", query).stdout, parse_float=Decimal)
    assert rows[0] == {"rule_id": "obligations_not_in_sam", "open": 1989, "at_stake": rows[0]["at_stake"]}
    assert sum(r["open"] for r in rows) == 5008 and isinstance(rows[0]["at_stake"], Decimal)
    piped = spendrecon(config.parent, "sql", stdin=query + ";\n")
    assert piped.stdout.splitlines()[0] == "rule_id\topen\tat_stake"
    as_csv = spendrecon(config.parent, "sql", "-f", "csv", query).stdout
    assert as_csv.splitlines()[1].startswith("obligations_not_in_sam,1989,")
    before = (config.parent / "data" / "spendrecon.duckdb").read_bytes()
    refused = spendrecon(config.parent, "sql", "DELETE FROM recon.findings")
    assert refused.returncode == 1 and "read-only" in refused.stderr and refused.stderr.count("\n") == 1
    assert (config.parent / "data" / "spendrecon.duckdb").read_bytes() == before
    missing = spendrecon(config.parent, "sql", "SELECT 1", SPENDRECON_WAREHOUSE=str(config.parent / "nope.duckdb"))
    assert missing.returncode == 1 and missing.stderr.startswith("error: no warehouse at ")


def test_sql_on_a_terminal_is_an_interactive_prompt(config):
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "spendrecon.cli", "sql", "-c", str(config)], cwd=config.parent,
                            env=clean_env(COLUMNS="100", TERM="dumb"), stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True)
    os.close(slave)
    seen = b""

    def until(text: bytes, timeout: float = 60) -> None:
        nonlocal seen
        while text not in seen:
            ready, _, _ = select.select([master], [], [], timeout)
            assert ready, f"no {text!r} in {seen!r}"
            seen += os.read(master, 65536)

    try:
        until(b"spendrecon> ")
        os.write(master, b"SELECT count(*) AS findings\n")
        until(b"...> ")
        os.write(master, b"FROM recon.findings;\n")
        until(b"5008")
        os.write(master, b"DROP TABLE recon.findings;\n")
        until(b"read-only")
        os.write(master, b".quit\n")
        assert proc.wait(timeout=60) == 0
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


# --- annotate and the writer lock ----------------------------------------------------------------

def test_annotate_without_user_signs_with_the_account_name_and_says_so(config):
    import pwd

    env = {k: v for k, v in clean_env().items() if k not in ("USER", "LOGNAME")}
    result = subprocess.run([sys.executable, "-m", "spendrecon.cli", "annotate", "97.102", "2023", "-s",
                             "needs-review", "-r", "estimate_only", "-c", str(config)], cwd=config.parent, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    account = pwd.getpwuid(os.getuid()).pw_name
    assert result.stderr.startswith(f"note: signed as {account}: USER is not set")
    last = (config.parent / "data" / "annotations.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    assert json.loads(last)["author"] == account


def test_a_writer_kept_waiting_says_who_holds_the_lock_and_since_when(config, monkeypatch):
    from spendrecon import pipeline
    from warehouse.publish import writer_lock

    monkeypatch.setattr(pipeline, "LOCK_WAIT_SECONDS", 0.5)
    path = config.parent / "data" / "spendrecon.duckdb"
    with writer_lock(path, holder="spendrecon run 20240215T060000Z-abcd"):
        result = CliRunner().invoke(app, ["annotate", "97.102", "2022", "-s", "accepted", "--author", "a",
                                          "-c", str(config)])
    assert result.exit_code == 1
    held = rf"held by spendrecon run 20240215T060000Z-abcd \(pid {os.getpid()}\) since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    assert re.match(rf"waiting for the writer lock on {re.escape(str(path))}: {held}\n", result.stderr)
    assert re.search(rf"^error: another spendrecon run is writing .*\({held}; lock ", result.stderr, re.M)


# --- run: refused, announced, summarised for schedulers -----------------------------------------

def test_an_unwritable_warehouse_names_the_setting_before_anything_starts(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    result = spendrecon(tmp_path, "run", "--demo", SPENDRECON_WAREHOUSE=str(tmp_path / "afile" / "w.duckdb"))
    assert result.returncode == 1
    assert result.stderr == (f"error: cannot write the warehouse at {tmp_path / 'afile' / 'w.duckdb'} (from "
                             f"SPENDRECON_WAREHOUSE): {tmp_path / 'afile'} is not a folder\n")
    (tmp_path / "spendrecon.yaml").write_text("warehouse: afile/w.duckdb\n")
    assert "(from warehouse: in spendrecon.yaml)" in spendrecon(tmp_path, "run", "--demo").stderr
    assert not (tmp_path / "data" / "prefect").exists()


@pytest.mark.flow
def test_a_scheduled_run_announces_a_new_warehouse_reads_its_years_and_reports_as_json(tmp_path, prefect_env):
    result = spendrecon(tmp_path, "run", "--demo", "--fiscal-years", "2019, 2022", "--programs", "97.102",
                        "--format", "json", "--fail-on", "new-errors", **prefect_env)
    assert result.returncode == 3, result.stderr[-3000:]  # published, and 97.102 FY2022 is a new error
    err = result.stderr.splitlines()
    assert err[0] == (f"creating a new warehouse at {tmp_path / 'data' / 'spendrecon.duckdb'} (the default; "
                      "warehouse: in spendrecon.yaml or SPENDRECON_WAREHOUSE sets another)")
    assert any(line.startswith("USAspending: FY2019, FY2022, ") for line in err)  # not FY2019-FY2022
    assert err[-1].startswith("--fail-on new-errors: 1 new or reopened finding(s) of severity error in run ")
    summary = json.loads(result.stdout, parse_float=Decimal)
    assert summary["status"] == "succeeded" and summary["fiscal_years"] == [2019, 2022]
    assert summary["new_or_reopened_by_severity"] == {"error": 1}
    assert summary["report"]["latest"] == "reports/latest/report.html"
    assert (tmp_path / summary["report"]["latest"]).is_file()
    again = spendrecon(tmp_path, "run", "--demo", "--fiscal-years", "2019, 2022", "--programs", "97.102",
                       "--fail-on", "new-errors", **prefect_env)
    assert again.returncode == 0, again.stderr[-3000:]  # nothing new this time
    assert "run " in again.stdout and "succeeded (demo data, FY2019, FY2022)" in again.stdout
    assert "creating a new warehouse" not in again.stderr
    assert "report:      reports/latest/report.html  (this run's folder: " in again.stdout


@pytest.mark.flow
def test_a_run_whose_programs_matched_nothing_fails_and_leaves_latest_alone(tmp_path, demo_warehouse_path,
                                                                             prefect_env):
    config = demo_config(tmp_path, demo_warehouse_path)
    folder = config.parent
    reports = folder / "reports"
    (reports / "earlier").mkdir(parents=True, exist_ok=True)
    latest = reports / "latest"
    if not latest.exists():
        latest.symlink_to("earlier")
    before = os.readlink(latest)
    result = spendrecon(folder, "run", "--demo", "--programs", "97.103", "-c", str(config), **prefect_env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        "error: programs 97.103: neither SAM.gov nor USAspending has any of them for FY2019-FY2023")
    assert "closest known to 97.103: 97.102" in result.stderr
    assert os.readlink(latest) == before
    con = duckdb.connect(str(folder / "data" / "spendrecon.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT status FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone() == ("failed",)
    finally:
        con.close()


@pytest.mark.flow
def test_make_demo_prints_a_count_line_for_the_archive_and_ends_with_the_next_step(tmp_path, prefect_env):
    venv = Path(sys.prefix)
    stamp = venv / ".installed-stamp"
    result = subprocess.run(["make", "-s", "-f", str(REPO / "Makefile"), f"VENV={venv}", "-o", str(stamp), "demo"],
                            cwd=tmp_path, env=clean_env(**prefect_env), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "\t" not in result.stdout  # no tab-separated dump of the archive's files
    assert any(re.fullmatch(r"archive store .*usaspending_archive\.duckdb: 6 files loaded \([\d,]+ transactions\)", line)
               for line in lines)
    assert lines[-3].startswith(f"Next: source {venv}/bin/activate") and f"{venv}/bin/spendrecon" in lines[-3]
    assert "reports/latest/report.html" in lines[-1]
    assert len(lines) <= 25
