"""The `spendrecon` command. Errors are one clear line and a non-zero exit; --verbose adds the traceback."""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from spendrecon.cli import archive as cli_archive, history as cli_history, runs as cli_runs, sql as cli_sql
from spendrecon.cli import verify as cli_verify
from spendrecon.cli.common import ConfigOpt, SpendreconGroup, UsageError, VerboseOpt, err, one_line_errors
from spendrecon.cli.output import Column, FormatOpt, emit, print_table, resolve_format
from spendrecon.config import DEFAULT_CONFIG_NAME, ConfigError, Settings, load_settings, parse_as_of
from spendrecon.console import console
from spendrecon.fiscal import parse_fiscal_years

app = typer.Typer(
    name="spendrecon",
    cls=SpendreconGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help, as git and gh print it: options with a metavar for their value (no type tags, no boxes).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
out = console(soft_wrap=True)  # literal text (no markup); long paths and URLs stay on one line, copyable

DEMO_FISCAL_YEARS = list(range(2019, 2024))  # vintage 1's window (the committed bundle's span)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"spendrecon {version('spendrecon')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                          help="Print the version and exit")] = False,
) -> None:
    """Reconcile SAM.gov Assistance Listing obligations with USAspending.gov, per program and fiscal year.

    \b
    Start with:
      spendrecon run --demo          the whole pipeline on the bundled demo data (offline)
      spendrecon findings --leads    what no explanation covers, errors first, then dollars
      spendrecon runs                the runs so far, newest first

    'spendrecon COMMAND -h' shows a command's options and an example. Exit codes: 0 done, 1 error,
    2 usage error, 3 'run --fail-on' matched, 130 interrupted.
    """


def _known_rule(rule: str) -> None:
    from warehouse.rules.registry import load_rules

    known = [r.id for r in load_rules()]
    if rule not in known:
        raise ValueError(f"--rule {rule!r} is not a rule (known: {', '.join(known)})")


def _settings(config: Path | None, **overrides: Any) -> Settings:
    return load_settings(config, overrides=overrides)


class RunFormat(str, Enum):
    text = "text"
    json = "json"


class FailOn(str, Enum):
    new_errors = "new-errors"
    new_findings = "new-findings"


EXIT_FAIL_ON = 3  # the run succeeded and is published, and found what --fail-on names


@app.command()
@one_line_errors
def run(
    demo: Annotated[bool, typer.Option("--demo", help="Replay the bundled demo data through the real connectors (offline)")] = False,
    config: ConfigOpt = None,
    fiscal_years: Annotated[str | None, typer.Option("--fiscal-years", metavar="YEARS", help="e.g. 2019-2023 or 2021,2023")] = None,
    programs: Annotated[str | None, typer.Option("--programs", metavar="ALNS", help="Comma-separated ALNs, e.g. 97.102,10.001")] = None,
    verbose: VerboseOpt = False,
    demo_vintage: Annotated[int, typer.Option("--demo-vintage", metavar="N", help="With --demo: 2-5 serve the bundle at later snapshots (listings revised under new ids, window moved, restatements, late reporting), each with its own date and window")] = 1,
    accept_drops: Annotated[bool, typer.Option("--accept-drops", help="Publish although a source's complete answer lost more of what it held than drop_guard.max_share allows (a drop you checked is real)")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="YYYY-MM-DD", help="The run date timing is judged by (default today): which fiscal years are complete; for replaying older snapshots")] = None,
    fmt: Annotated[RunFormat | None, typer.Option("--format", "-f", help="text (default), or json: the run's summary as one JSON object on stdout")] = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Exit 3 (published all the same) when this run has new or reopened findings of severity error (new-errors), or any (new-findings): for schedulers")] = None,
) -> None:
    """Extract both sources, load the DuckDB file, reconcile, and write the report.

    One line per step on stderr, then the run's summary. Ctrl-C stops the run within seconds (exit 130);
    the published warehouse stays as it was.

    \b
    Examples:
      spendrecon run --demo
      spendrecon run --fiscal-years 2019-2023 --programs 97.102,10.001
      spendrecon run --fail-on new-errors --format json > run.json
    """
    # Everything that can be refused is refused here, before Prefect starts (seconds) or a request is made.
    from spendrecon.aln import parse_alns
    from spendrecon.pipeline import check_run

    if demo_vintage != 1 and not demo:
        raise UsageError("--demo-vintage: only applies with --demo")
    from spendrecon.demo.transport import VINTAGE_YEARS, VINTAGES

    if demo_vintage not in VINTAGES:
        raise UsageError(f"--demo-vintage: must be one of {', '.join(map(str, VINTAGES))}, not {demo_vintage}")
    years = _option("--fiscal-years", parse_fiscal_years, fiscal_years)
    progs = _option("--programs", parse_alns, programs)
    if demo and years is None:
        years = VINTAGE_YEARS[demo_vintage]  # the window that vintage's snapshot is replayed with
    # A demo's run date, unless --as-of says otherwise, is its vintage's snapshot date (plan_run).
    run_date = _option("--as-of", parse_as_of, as_of)
    settings = _settings_for_run(config, years=years, programs=progs, as_of=run_date)
    check_run(settings, demo=demo, programs_key="--programs" if progs else f"{config or DEFAULT_CONFIG_NAME}: programs")
    if not settings.warehouse_path.exists():
        # A typo in the path would otherwise start a new, empty history without a word.
        sys.stderr.write(f"creating a new warehouse at {settings.warehouse_path} ({settings.warehouse_setting})\n")

    from spendrecon import run_progress
    from spendrecon.cli.interrupt import stop_on_first_interrupt
    from spendrecon.cli.prefect_env import configure_prefect

    configure_prefect(settings.data_path, verbose=verbose)
    from flows.reconcile import reconcile_flow, set_progress

    steps = run_progress.for_stderr()
    try:
        with stop_on_first_interrupt(on_exit=steps.close):
            steps.waiting("starting Prefect")  # its temporary server takes a few seconds
            set_progress(steps)
            try:
                outcome = reconcile_flow(config_path=str(config) if config else None, demo=demo,
                                         fiscal_years=settings.fiscal_years, programs=settings.programs,
                                         as_of=settings.as_of.isoformat() if settings.as_of else None,
                                         **({"accept_drops": True} if accept_drops else {}),
                                         **({"demo_vintage": demo_vintage} if demo_vintage != 1 else {}))
            finally:
                set_progress(None)
    finally:
        steps.close()
    summary = _print_summary(settings, outcome, json_out=fmt == RunFormat.json)
    if fail_on is not None:
        from spendrecon.cli.run_summary import fail_on_count

        found = fail_on_count(summary, fail_on.value)
        if found:
            what = "of severity error " if fail_on == FailOn.new_errors else ""
            sys.stderr.write(f"--fail-on {fail_on.value}: {found:,} new or reopened finding(s) {what}in run "
                             f"{summary.run_id} (published); exit {EXIT_FAIL_ON}\n")
            raise typer.Exit(EXIT_FAIL_ON)


def _option(name: str, parse: Callable[[str], Any], value: str | None) -> Any:
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None


def _settings_for_run(config: Path | None, *, years: list[int] | None, programs: list[str] | None,
                      as_of: date | None = None) -> Settings:
    """The settings with the command line's values, each error blamed on where its value came from:
    the file (``spendrecon.yaml: key: reason``) or the option (``--fiscal-years: reason``)."""
    settings = load_settings(config)
    for option, key, value in (("--fiscal-years", "fiscal_years", years), ("--programs", "programs", programs),
                               ("--as-of", "as_of", as_of)):
        if value is None:
            continue
        try:
            settings = load_settings(config, overrides={key: value})
        except ConfigError as exc:
            # The value is the one just typed: no need to echo it back as "(got [...])".
            reasons = "; ".join(re.sub(r" \(got .*\)$", "", reason) for _where, reason in exc.issues) or str(exc)
            raise UsageError(f"{option}: {reasons}") from None
    return load_settings(config, overrides={"fiscal_years": years, "programs": programs, "as_of": as_of})


def _print_summary(settings: Settings, outcome: dict[str, Any], *, json_out: bool = False) -> Any:
    from spendrecon.cli.run_summary import load_run_outcome, run_json, run_lines, warehouse_lines

    summary = load_run_outcome(settings.warehouse_path, outcome["run_id"])
    latest = _latest_report(settings, outcome)
    if json_out:
        sys.stdout.write(run_json(summary, warehouse=outcome["warehouse"], report_dir=outcome["report_dir"],
                                  report_error=outcome.get("report_error"), latest_report=latest) + "\n")
        return summary
    for line in run_lines(summary):
        out.print(line)
    for line in warehouse_lines(summary):
        out.print(line)
    rows = [{"rule_id": r, "severity": sev, "open": n} for r, sev, n in summary.open_by_rule]
    print_table(rows, _RULE_COLUMNS, out=out)
    from spendrecon.findings_query import triage_lines

    for line in triage_lines(settings.warehouse_path):
        out.print(line)
    out.print(f"DuckDB file: {outcome['warehouse']}  (open it with duckdb.connect(path, read_only=True), "
              "or `spendrecon sql`)")
    if outcome["report_dir"]:
        out.print(f"report:      {latest}  (this run's folder: {outcome['report_dir']})")
    else:
        out.print(f"report:      not written ({outcome.get('report_error') or 'see the log'}); "
                  "run `spendrecon report`")
    return summary


def _latest_report(settings: Settings, outcome: dict[str, Any]) -> str | None:
    """reports/latest/report.html, the path that always shows the newest run's report: relative to the
    working folder when it is under it (shorter, and copyable as it is)."""
    if not outcome["report_dir"]:
        return None
    path = settings.reports_path / "latest" / "report.html"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_RULE_COLUMNS = (
    Column("rule_id", "rule", "key"),
    Column("severity", "severity", "key"),
    Column("open", "open findings", "number", display=lambda n: f"{n:,}"),
)


def _money_cell(value: Any) -> str:
    from warehouse.money import format_money

    return format_money(value)


def _compact_money_cell(value: Any) -> str:
    from warehouse.money import format_money_compact

    return format_money_compact(value)


# The findings table and TSV. Keys are never cut; an amount is shown whole or not at all, exact where the
# window allows, rounded ($86.47B) where it does not: program, year, rule, SAM.gov, USAspending and at
# stake fit 80 columns. Codes give way next, free text first of all.
FINDING_COLUMNS = (
    Column("program_number", "program", "key"),
    Column("fiscal_year", "FY", "key"),
    Column("rule_id", "rule", "key"),
    Column("severity", "severity", whole=True, priority=8),
    Column("status", "status", whole=True, priority=4),
    Column("sam_amount", "SAM.gov", "money", display=_money_cell, compact=_compact_money_cell, priority=2),
    Column("usaspending_amount", "USAspending", "money", display=_money_cell, compact=_compact_money_cell,
           priority=3),
    Column("at_stake", "at stake", "money", display=_money_cell, compact=_compact_money_cell, priority=1),
    Column("difference", "difference", "money", display=_money_cell, compact=_compact_money_cell, priority=7),
    Column("triage", "triage", whole=True, priority=5),
    Column("explanation", "explanation", whole=True, priority=6),
    Column("review_status", "review", whole=True, priority=9),
    Column("review_note", "note", wrap=True, priority=10),
    Column("stale_review", "review was", wrap=True, priority=10),  # the review that no longer applies
)

ProgramOpt = Annotated[str | None, typer.Option("--program", "-p", metavar="ALN",
                                                help="Assistance Listing number, e.g. 97.102 (or 97102)")]
FiscalYearOpt = Annotated[int | None, typer.Option("--fiscal-year", "-y", metavar="YEAR",
                                                   help="Federal fiscal year, e.g. 2022")]


@app.command()
@one_line_errors
def findings(
    program: ProgramOpt = None,
    fiscal_year: FiscalYearOpt = None,
    rule: Annotated[str | None, typer.Option("--rule", "-r", metavar="RULE", help="Rule id, e.g. amount_mismatch")] = None,
    all_statuses: Annotated[bool, typer.Option("--all", help="Include resolved findings")] = False,
    changed_since: Annotated[str | None, typer.Option("--changed-since", metavar="RUN_ID|YYYY-MM-DD", help="Only findings new, reopened or resolved after this run (`spendrecon runs` lists them), or in runs started on or after this day (UTC)")] = None,
    leads: Annotated[bool, typer.Option("--leads", help="Only leads: nothing legitimate, pending or systemic explains them; by severity, then the program-year's dollars at stake")] = False,
    stale_reviews: Annotated[bool, typer.Option("--stale-reviews", help="Only findings whose review no longer applies (figures moved, reopened, or new since): review them again")] = False,
    fmt: FormatOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """List findings from the DuckDB file (opened read-only), most at stake first.

    \b
    Examples:
      spendrecon findings --leads
      spendrecon findings -p 97.102 -y 2022 -f json
      spendrecon findings --rule amount_mismatch -f csv > mismatches.csv
    """
    from spendrecon.findings_query import FindingFilter, query_findings, to_csv
    from spendrecon.json_rows import to_json

    shown_as = resolve_format(fmt)
    if rule is not None:
        _known_rule(rule)
    since = _option("--changed-since", parse_as_of, changed_since) if _is_day(changed_since) else changed_since
    settings = _settings(config)
    rows = query_findings(settings.warehouse_path,
                          FindingFilter(program, fiscal_year, rule, all_statuses, since, leads,
                                        stale_reviews))
    if shown_as == "json":
        sys.stdout.write(to_json(rows) + "\n")
    elif shown_as == "csv":
        sys.stdout.write(to_csv(rows))
    elif not rows and shown_as == "table":
        out.print(_no_findings(program, fiscal_year, rule, all_statuses, changed_since, leads, stale_reviews))
    else:
        # On a terminal, a switched-off rule's finding (listed with --all) says so beside its rule, a column
        # that is never dropped at any width.
        shown = [{**r, "rule_id": f"{r['rule_id']} (rule off)"} if r.get("rule_disabled") and shown_as == "table"
                 else r for r in rows]
        emit(shown, FINDING_COLUMNS, shown_as, title=f"{len(rows):,} findings", out=out)


def _is_day(changed_since: str | None) -> bool:
    """`--changed-since` takes a run id or a day; a day is written YYYY-MM-DD (and must then be a real one)."""
    return changed_since is not None and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", changed_since) is not None


def _no_findings(program: str | None, fiscal_year: int | None, rule: str | None, every: bool,
                 changed_since: str | None, leads: bool, stale_reviews: bool = False) -> str:
    """What an empty answer was an answer to, rather than a bare header."""
    which = "leads" if leads else ("findings" if every or changed_since else "open findings")
    if stale_reviews:
        which += " whose review went stale"
    where = [f"program {program}" if program else "", f"FY{fiscal_year}" if fiscal_year else "",
             f"rule {rule}" if rule else "",
             ("" if not changed_since else f"changed since {changed_since.strip()}" if _is_day(changed_since)
              else f"changed since run {changed_since}")]
    text = f"no {which}" + (f" for {', '.join(w for w in where if w)}" if any(where) else "")
    return text + ("" if every or changed_since else " (--all includes resolved ones)")


def _author(given: str | None) -> str:
    """Who signs the review: --author, else $USER or $LOGNAME, else the system account's name, said aloud.
    The log is the record of who said what: a review is never signed by nobody ("author": null)."""
    if given is not None:
        if not given.strip():
            raise UsageError("--author: must name someone")
        return given.strip()
    named = (os.environ.get("USER") or os.environ.get("LOGNAME") or "").strip()
    if named:
        return named
    try:
        import pwd

        account = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):
        account = ""
    if not account:
        raise UsageError("--author: USER and LOGNAME are not set, and this account has no name: give --author NAME")
    _AUTHOR_NOTES.append(f"signed as {account}: USER is not set, so this account's name "
                         "(--author NAME signs as someone else)")
    return account


_AUTHOR_NOTES: list[str] = []  # said once the review is recorded, so that a refusal stays one line


class ReviewStatus(str, Enum):
    accepted = "accepted"
    disputed = "disputed"
    needs_review = "needs-review"


@app.command()
@one_line_errors
def annotate(
    program: Annotated[str, typer.Argument(metavar="ALN", hidden=True)],
    fiscal_year: Annotated[int, typer.Argument(metavar="FISCAL_YEAR", hidden=True)],
    status: Annotated[ReviewStatus, typer.Option("--status", "-s", help="Your verdict")],
    note: Annotated[str | None, typer.Option("--note", "-m", metavar="NOTE", help="Why; shown in findings and the report")] = None,
    rule: Annotated[str | None, typer.Option("--rule", "-r", metavar="RULE", help="Only this rule's finding (default: every rule of the program-year)")] = None,
    author: Annotated[str | None, typer.Option("--author", metavar="NAME", help="Who reviewed it (default: $USER, else $LOGNAME, else this account's name)")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Record your review of a program-year's findings; it survives every later run and rebuild.

    ALN and FISCAL_YEAR name the program-year (97.102 2022).

    \b
    Examples:
      spendrecon annotate 97.102 2022 --status accepted --note "Obligated in FY2023, per DHS"
      spendrecon annotate 97.102 2023 -s disputed -r estimate_only -m "estimate is stale"
    """
    from datetime import datetime, timezone

    from spendrecon.annotate import annotate as record
    from warehouse.annotations import Annotation, read_log

    who = _author(author)
    if rule is not None:
        _known_rule(rule)
    settings = _settings(config)

    def waiting(holder: str) -> None:
        sys.stderr.write(f"waiting for the writer lock on {settings.warehouse_path}: {holder}\n")

    covered = record(settings, Annotation(
        program_number=program.strip(), fiscal_year=fiscal_year, status=status.value, note=note,
        annotated_at=datetime.now(timezone.utc), rule_id=rule, author=who), on_wait=waiting)
    out.print(f"{program} FY{fiscal_year}: {status.value} — covers {covered} finding(s); "
              f"kept in {settings.annotations_path}")
    while _AUTHOR_NOTES:
        sys.stderr.write(f"note: {_AUTHOR_NOTES.pop()}\n")
    # Lines someone broke by hand stay in the file, skipped: say so, every time, until they are fixed.
    for problem in read_log(settings.annotations_path).problems:
        sys.stderr.write(f"warning: {problem}\n")


@app.command()
@one_line_errors
def report(
    run_id: Annotated[str | None, typer.Option("--run-id", metavar="RUN_ID", help="Default: the latest succeeded run (`spendrecon runs` lists them)")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """(Re)write reports/<run_id>/ from the DuckDB file; a run named with --run-id as that run wrote it.

    \b
    Examples:
      spendrecon report
      spendrecon report --run-id 20240215T060000Z-1a2b
    """
    from spendrecon.report import write_report

    settings = _settings(config)
    # Named, a run's report is rebuilt as it was written; the newest by default, as the warehouse stands.
    folder = write_report(settings.warehouse_path, settings.reports_path, run_id, as_written=run_id is not None)
    out.print(f"report written to {folder}/report.html")


@app.command()
@one_line_errors
def serve(
    config: ConfigOpt = None,
    demo: Annotated[bool, typer.Option("--demo", help="Schedule demo runs instead of live ones")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Run the flow on the configured cron schedule (starts a local Prefect server if PREFECT_API_URL is unset).

    \b
    Examples:
      spendrecon serve
      spendrecon serve --demo -c spendrecon.yaml
    """
    settings = _settings(config)
    from spendrecon.cli.prefect_env import configure_prefect
    from spendrecon.run_progress import PROGRESS_ENV

    configure_prefect(settings.data_path, verbose=verbose)
    # Scheduled runs execute in processes of Prefect's runner, which pass their output through:
    # each run prints its step lines there, as `run` does down a pipe.
    os.environ.setdefault(PROGRESS_ENV, "lines")
    from flows.serve import serve_schedule

    serve_schedule(settings, config_path=str(config.resolve()) if config else None, demo=demo, say=out.print)


cli_archive.register(app)  # ingest-archive and awards: the bulk path, kept in its own module
cli_history.register(app)  # history: what each source said when
cli_verify.register(app)  # verify: the record's own checks
cli_runs.register(app)  # runs: the runs so far, for --changed-since and report --run-id
cli_sql.register(app)  # sql: read-only SQL on the warehouse, in the same output formats
