"""The `spendrecon` command. Errors are one clear line and a non-zero exit; --verbose adds the traceback."""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from spendrecon.cli import archive as cli_archive, history as cli_history, verify as cli_verify
from spendrecon.cli.common import ConfigOpt, UsageError, VerboseOpt, one_line_errors
from spendrecon.cli.output import Column, FormatOpt, emit, print_table, resolve_format
from spendrecon.config import DEFAULT_CONFIG_NAME, ConfigError, Settings, load_settings, parse_as_of
from spendrecon.console import console
from spendrecon.fiscal import parse_fiscal_years

app = typer.Typer(
    name="spendrecon",
    help="Reconcile SAM.gov Assistance Listing obligations with USAspending.gov, per program and fiscal year.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = console(soft_wrap=True)  # literal text (no markup); long paths and URLs stay on one line, copyable

DEMO_FISCAL_YEARS = list(range(2019, 2024))  # vintage 1's window (the committed bundle's span)


def _known_rule(rule: str) -> None:
    from warehouse.rules.registry import load_rules

    known = [r.id for r in load_rules()]
    if rule not in known:
        raise ValueError(f"--rule {rule!r} is not a rule (known: {', '.join(known)})")


def _settings(config: Path | None, **overrides: Any) -> Settings:
    return load_settings(config, overrides=overrides)


@app.command()
@one_line_errors
def run(
    demo: Annotated[bool, typer.Option("--demo", help="Replay the bundled demo data through the real connectors (offline)")] = False,
    config: ConfigOpt = None,
    fiscal_years: Annotated[str | None, typer.Option("--fiscal-years", help="e.g. 2019-2023 or 2021,2023")] = None,
    programs: Annotated[str | None, typer.Option("--programs", help="Comma-separated ALNs, e.g. 97.102,10.001")] = None,
    verbose: VerboseOpt = False,
    demo_vintage: Annotated[int, typer.Option("--demo-vintage", help="With --demo: 2-5 serve the bundle at later snapshots (listings revised under new ids, window moved, restatements, late reporting), each with its own date and window")] = 1,
    accept_drops: Annotated[bool, typer.Option("--accept-drops", help="Publish although a source's complete answer lost more of what it held than drop_guard.max_share allows (a drop you checked is real)")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The run date timing is judged by, YYYY-MM-DD (default today): which fiscal years are complete; for replaying older snapshots")] = None,
) -> None:
    """Extract both sources, load the DuckDB file, reconcile, and write the report."""
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

    from spendrecon import run_progress
    from spendrecon.cli.prefect_env import configure_prefect

    configure_prefect(settings.data_path, verbose=verbose)
    from flows.reconcile import reconcile_flow, set_progress

    steps = run_progress.for_stderr()
    try:
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
    _print_summary(settings, outcome)


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


def _print_summary(settings: Settings, outcome: dict[str, Any]) -> None:
    from spendrecon.cli.run_summary import load_run_outcome, run_lines, warehouse_lines

    summary = load_run_outcome(settings.warehouse_path, outcome["run_id"])
    for line in run_lines(summary):
        out.print(line)
    for line in warehouse_lines(summary):
        out.print(line)
    rows = [{"rule_id": r, "severity": sev, "open": n} for r, sev, n in summary.open_by_rule]
    print_table(rows, _RULE_COLUMNS, out=out)
    from spendrecon.findings_query import triage_lines

    for line in triage_lines(settings.warehouse_path):
        out.print(line)
    out.print(f"DuckDB file: {outcome['warehouse']}  (open it with duckdb.connect(path, read_only=True))")
    if outcome["report_dir"]:
        out.print(f"report:      {outcome['report_dir']}/report.html")
    else:
        out.print(f"report:      not written ({outcome.get('report_error') or 'see the log'}); "
                  "run `spendrecon report`")


_RULE_COLUMNS = (
    Column("rule_id", "rule", "key"),
    Column("severity", "severity", "key"),
    Column("open", "open findings", "number", display=lambda n: f"{n:,}"),
)


def _money_cell(value: Any) -> str:
    from warehouse.money import format_money

    return format_money(value)


# The findings table and TSV. Keys and amounts are never cut; explanation and review give way first.
FINDING_COLUMNS = (
    Column("program_number", "program", "key"),
    Column("fiscal_year", "FY", "key"),
    Column("rule_id", "rule", "key"),
    Column("severity", "severity", whole=True, priority=4),
    Column("status", "status", "key"),
    Column("sam_amount", "SAM.gov", "money", display=_money_cell, priority=2),
    Column("usaspending_amount", "USAspending", "money", display=_money_cell, priority=3),
    Column("difference", "difference", "money", display=_money_cell, priority=1),
    Column("explanation", "explanation", whole=True, priority=5),
    Column("triage", "triage", whole=True, priority=5),
    Column("review_status", "review", whole=True, priority=6),
    Column("review_note", "note", wrap=True, priority=7),
    Column("stale_review", "review was", wrap=True, priority=7),  # the review that no longer applies
)


@app.command()
@one_line_errors
def findings(
    program: Annotated[str | None, typer.Option("--program", help="ALN, e.g. 97.102")] = None,
    fiscal_year: Annotated[int | None, typer.Option("--fiscal-year")] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Rule id, e.g. amount_mismatch")] = None,
    all_statuses: Annotated[bool, typer.Option("--all", help="Include resolved findings")] = False,
    changed_since: Annotated[str | None, typer.Option("--changed-since", help="Only findings new, reopened or resolved after this run id")] = None,
    leads: Annotated[bool, typer.Option("--leads", help="Only leads: no legitimate explanation and no systemic non-reporting, largest first")] = False,
    stale_reviews: Annotated[bool, typer.Option("--stale-reviews", help="Only findings whose review no longer applies (figures moved, reopened, or new since): review them again")] = False,
    fmt: FormatOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """List findings from the DuckDB file (opened read-only)."""
    from spendrecon.findings_query import FindingFilter, query_findings, to_csv
    from spendrecon.json_rows import to_json

    fmt = resolve_format(fmt)
    if rule is not None:
        _known_rule(rule)
    settings = _settings(config)
    rows = query_findings(settings.warehouse_path,
                          FindingFilter(program, fiscal_year, rule, all_statuses, changed_since, leads,
                                        stale_reviews))
    if fmt == "json":
        sys.stdout.write(to_json(rows) + "\n")
    elif fmt == "csv":
        sys.stdout.write(to_csv(rows))
    else:
        # On a terminal, a switched-off rule's finding (listed with --all) says so beside its status, kept as it was.
        shown = [{**r, "status": f"{r['status']} (rule off)"} if r.get("rule_disabled") and fmt == "table" else r
                 for r in rows]
        emit(shown, FINDING_COLUMNS, fmt, title=f"{len(rows):,} findings", out=out)


@app.command()
@one_line_errors
def annotate(
    program: Annotated[str, typer.Argument(help="ALN, e.g. 97.102")],
    fiscal_year: Annotated[int, typer.Argument(help="Fiscal year, e.g. 2022")],
    status: Annotated[str, typer.Option("--status", help="accepted, disputed or needs-review")],
    note: Annotated[str | None, typer.Option("--note", help="Why; shown in findings and the report")] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule's finding (default: every rule of the program-year)")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Who reviewed it (default: $USER)")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Record your review of a program-year's findings; it survives every later run and rebuild."""
    from datetime import datetime, timezone

    from spendrecon.annotate import annotate as record
    from warehouse.annotations import Annotation, read_log

    if rule is not None:
        _known_rule(rule)
    settings = _settings(config)
    covered = record(settings, Annotation(
        program_number=program.strip(), fiscal_year=fiscal_year, status=status, note=note,
        annotated_at=datetime.now(timezone.utc), rule_id=rule, author=author or os.environ.get("USER")))
    out.print(f"{program} FY{fiscal_year}: {status} — covers {covered} finding(s); "
              f"kept in {settings.annotations_path}")
    # Lines someone broke by hand stay in the file, skipped: say so, every time, until they are fixed.
    for problem in read_log(settings.annotations_path).problems:
        sys.stderr.write(f"warning: {problem}\n")


@app.command()
@one_line_errors
def report(
    run_id: Annotated[str | None, typer.Option("--run-id", help="Default: the latest succeeded run")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """(Re)write reports/<run_id>/ from the DuckDB file; an earlier run's report as it was at that run."""
    from spendrecon.report import write_report

    settings = _settings(config)
    folder = write_report(settings.warehouse_path, settings.reports_path, run_id)
    out.print(f"report written to {folder}/report.html")


@app.command()
@one_line_errors
def serve(
    config: ConfigOpt = None,
    demo: Annotated[bool, typer.Option("--demo", help="Schedule demo runs instead of live ones")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Run the flow on the configured cron schedule (starts a local Prefect server if PREFECT_API_URL is unset)."""
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
