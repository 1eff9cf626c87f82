"""The run's steps as plain functions: plan, extract, publish, record a failure.

The Prefect flow in flows/reconcile.py is the only place they are put in order (as tasks); tests
call a step directly, or run that flow for a whole run.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import httpx

from connectors.http import RetryPolicy, SourceClient
from connectors.records import KnownDocument, RawPage, SamExtract, UsaspendingExtract
from connectors.sam_gov import fetch_sam_listings
from connectors.sam_public import PUBLIC_HEADERS, fetch_sam_public
from connectors.usaspending import fetch_usaspending_year
from spendrecon.archive_ingest import archive_config
from spendrecon.config import Settings, sam_api_key
from spendrecon.fiscal import fiscal_year_of, fiscal_years_text
from spendrecon.history_rebuild import record_history
from spendrecon.redaction import redact
from spendrecon.run_errors import RunCancelled, RunError, RunInterrupted
from warehouse.annotations import read_log, sync_annotations
from warehouse.db import connect, has_table, run_file
from warehouse.explanations.registry import load_explanations
from warehouse.findings import merge_findings
from warehouse.history import SourceDrop, carry_forward, record_context, remember_before_load, source_drops
from warehouse.load import load_raw_pages, load_sam, load_usaspending
from warehouse.publish import building, writer_lock
from warehouse.repair import needs_repair, record_repair, remember_before_repair
from warehouse.rules.registry import load_rules
from warehouse.runs import RunRecord, new_run_id, record_run, run_settings, sam_requests_on
from warehouse.sam_public_store import known_documents, load_public_documents
from warehouse.scope import Scope
from warehouse.spool import LeftoverRun, RunSpool, as_never_finished, leftover_runs, spooled_sam_requests_on
from warehouse.verify import verify
from warehouse.versions import record_versions

log = logging.getLogger("spendrecon")

DEMO_SOURCE = "demo bundle (spendrecon/demo/data)"
LOCK_WAIT_SECONDS = 30.0  # an annotate or a run finishing its publish; a run in full swing takes longer


@dataclass
class RunPlan:
    settings: Settings
    demo: bool
    scope: Scope
    run: RunRecord
    today: date  # the run date timing is judged by (settings.as_of, else the real date): see as_of
    transport: httpx.BaseTransport | None = None  # demo or test transport; None for the live services
    warnings: list[str] = field(default_factory=list)
    holds_lock: bool = False  # guarded_run holds the writer lock for the whole run
    accept_drops: bool = False  # `run --accept-drops`: publish although a source lost more than drop_guard allows
    # What the run has fetched, on disk beside the warehouse until its outcome is published
    # (warehouse/spool.py); opened by guarded_run.
    spool: RunSpool | None = None
    # Set when any part of the run failed for good: the parts still running stop at their next page
    # or pause instead of finishing work nobody will use.
    cancelled: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    # Ctrl-C (the CLI's interrupt handler calls interrupt()): the run stops at its next page, pause or
    # SQL statement, and records itself as failed; `finished` is set once guarded_run has let go.
    interrupted: bool = False
    published: bool = False  # the run's publish swapped the new warehouse in
    failure_recorded: bool = False  # record_failure wrote the run's failed row
    finished: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    # The connection publish is building with, for interrupt() to stop its running statement.
    connection: duckdb.DuckDBPyConnection | None = field(default=None, repr=False, compare=False)

    def cancel(self) -> None:
        self.cancelled.set()

    def interrupt(self) -> None:
        """Stop the run as soon as it can; safe to call from another thread, and more than once."""
        self.interrupted = True
        self.cancel()
        con = self.connection
        if con is not None:
            try:
                con.interrupt()  # DuckDB stops the statement running on it, from any thread
            except duckdb.Error:
                pass  # closed meanwhile: publish is already unwinding

    def check_cancelled(self) -> None:
        if self.interrupted:
            raise RunInterrupted("interrupted (Ctrl-C) before publishing")
        if self.cancelled.is_set():
            raise RunCancelled("stopped: another part of the run failed")

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` (a retry's back-off), or stop at once if the run is cancelled meanwhile."""
        if self.cancelled.wait(seconds):
            self.check_cancelled()

    @property
    def current_fiscal_year(self) -> int:
        return fiscal_year_of(self.today)


def plan_run(
    settings: Settings,
    *,
    demo: bool = False,
    transport: httpx.BaseTransport | None = None,
    now: datetime | None = None,
    demo_vintage: int = 1,
    accept_drops: bool = False,
) -> RunPlan:
    now = now or datetime.now(timezone.utc)
    if demo:
        settings = with_vintage_defaults(settings, demo_vintage)
    today = settings.as_of or now.astimezone(timezone.utc).date()
    years = settings.resolved_fiscal_years(today)
    programs = tuple(settings.programs) if settings.programs else None
    if demo and transport is None:
        from spendrecon.demo.transport import demo_transport

        transport = demo_transport(vintage=demo_vintage)
    check_run(settings, demo=demo, live_services=transport is None)
    # An unreadable annotations file (permissions, a folder) fails now, before anything is spent; a bad
    # line in it only warns, at publish.
    read_log(settings.annotations_path)
    run = RunRecord(
        run_id=new_run_id(now),
        started_at=now,
        as_of=today,
        mode="demo" if demo else "live",
        fiscal_years=list(years),
        programs=list(programs) if programs else None,
        sam_source=demo_source(demo_vintage) if demo else _sam_source(settings),
        # Archive mode reads the archive store even in a demo (`spendrecon ingest-archive --demo` fills it).
        usaspending_source=demo_source(demo_vintage) if demo and uses_usaspending_api(settings) else _usaspending_source(settings),
    )
    return RunPlan(settings=settings, demo=demo, scope=Scope(tuple(years), programs), run=run, today=today,
                   transport=transport, accept_drops=accept_drops)


def with_vintage_defaults(settings: Settings, vintage: int) -> Settings:
    """A demo replays a snapshot: unless the user said otherwise, its run date is the vintage's date and
    its window the vintage's (judging completeness by today's date would call every demo year complete)."""
    from spendrecon.demo.transport import VINTAGE_DATES, VINTAGE_YEARS

    if vintage not in VINTAGE_DATES:
        return settings  # refused where the vintage is looked up (demo_bundle), with the choices
    defaults: dict[str, Any] = {}
    if settings.as_of is None:
        defaults["as_of"] = VINTAGE_DATES[vintage]
    if not settings.fiscal_years:
        defaults["fiscal_years"] = list(VINTAGE_YEARS[vintage])
    # Both values are already what validation would make of them (a date, a sorted list of years).
    return settings.model_copy(update=defaults) if defaults else settings


def demo_source(vintage: int) -> str:
    return DEMO_SOURCE if vintage == 1 else f"{DEMO_SOURCE}, vintage {vintage}"


def check_run(settings: Settings, *, demo: bool = False, live_services: bool = True,
              programs_key: str = "programs") -> None:
    """What can be known to fail before anything is spent: the program numbers, the SAM.gov key, and
    demo and live kept apart. The CLI calls this before Prefect starts; plan_run calls it too."""
    from spendrecon.aln import parse_aln

    for program in settings.programs or ():
        try:
            aln = parse_aln(program)
        except ValueError as exc:
            raise RunError(f"{programs_key}: {exc}") from None
        if aln != program:
            raise RunError(f"{programs_key}: write {program!r} as {aln!r}, as both sources do")
    if not demo and live_services and not sam_api_key() and settings.sam.mode == "api":
        raise RunError(
            "SAM_API_KEY is not set: export your SAM.gov public API key (Account Details on sam.gov), "
            "or try `spendrecon run --demo`"
        )
    check_writable(settings)
    _refuse_mixing_modes(settings.warehouse_path, "demo" if demo else "live")


def check_writable(settings: Settings) -> None:
    """The warehouse's folder must be one this process can write (the run writes its copy, the lock
    and the spool there): refused now, naming the setting that chose the path, rather than with a raw
    OSError about a lock file once the sources were queried. Nothing is created here."""
    path = settings.warehouse_path
    problem: str | None = None
    if path.exists():
        if path.is_dir():
            problem = "it is a folder"
        elif not os.access(path, os.R_OK | os.W_OK):
            problem = "the file is not writable"
    else:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            problem = f"{folder} is not a folder"
        elif not os.access(folder, os.W_OK | os.X_OK):
            problem = f"the folder {folder} is not writable"
    if problem is None and path.parent.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        problem = f"the folder {path.parent} is not writable"
    if problem is not None:
        raise RunError(f"cannot write the warehouse at {path} ({settings.warehouse_setting}): {problem}")


def _sam_source(settings: Settings) -> str:
    return settings.sam.public_base_url if settings.sam.mode == "public" else settings.sam.base_url


def _refuse_mixing_modes(warehouse: Path, mode: str) -> None:
    """Demo figures must never resolve, reopen or dilute live findings (or the other way round)."""
    if not warehouse.exists():
        return
    con = connect(warehouse, read_only=True)
    try:
        other = con.execute("SELECT count(*) FROM meta.runs WHERE mode <> $mode AND status = 'succeeded'",
                            {"mode": mode}).fetchone() if has_table(con, "meta", "runs") else None
    finally:
        con.close()
    if other and other[0]:
        kind = "live" if mode == "demo" else "demo"
        raise RunError(
            f"{warehouse} holds {kind} runs; a {mode} run would mix its findings with them. Point this run "
            f"at another file (SPENDRECON_WAREHOUSE=data/{mode}.duckdb, or `warehouse:` in spendrecon.yaml)"
            + (", or delete the demo file" if kind == "demo" else "")
        )


def _usaspending_source(settings: Settings) -> str:
    if settings.usaspending.mode == "archive":
        return f"archive store {archive_config(settings).store}"
    return settings.usaspending.base_url


def _retry(settings: Settings) -> RetryPolicy:
    h = settings.http
    return RetryPolicy(max_attempts=h.max_attempts, backoff_initial=h.backoff_initial_seconds,
                       backoff_max=h.backoff_max_seconds, max_retry_after=h.max_retry_after_seconds)


def sam_budget_left(plan: RunPlan) -> int:
    """Today's SAM.gov budget minus what earlier runs today spent (read from the published warehouse).
    Today is the real UTC day the run started, whatever its ``--as-of``: the quota counts real days."""
    budget = plan.settings.sam.daily_request_budget
    path = plan.settings.warehouse_path
    if plan.demo or not path.exists():
        return budget
    con = connect(path, read_only=True)
    try:
        started_on = plan.run.started_at.astimezone(timezone.utc).date()
        used = sam_requests_on(con, started_on, plan.settings.sam.base_url) if has_table(con, "meta", "runs") else 0
    finally:
        con.close()
    # Runs killed outright today are not in meta.runs yet, but their requests were spent all the same.
    used += spooled_sam_requests_on(path, started_on, plan.settings.sam.base_url, except_run=plan.run.run_id)
    return max(budget - used, 0)


def sam_client(plan: RunPlan) -> SourceClient:
    s = plan.settings
    if s.sam.mode == "public":
        # The keyless endpoints: no api_key to send or hide, no daily quota to ration.
        return SourceClient("sam", s.sam.public_base_url, timeout=s.http.timeout_seconds, retry=_retry(s),
                            max_concurrency=s.sam.public_concurrency, transport=plan.transport,
                            headers=PUBLIC_HEADERS, on_request=_request_counter(plan, "sam"),
                            on_page=_page_keeper(plan))
    key = "DEMO_KEY" if plan.demo else (sam_api_key() or "")
    left = sam_budget_left(plan)
    if left == 0:
        raise RunError(
            f"SAM.gov daily request budget ({s.sam.daily_request_budget}) is already spent today by earlier "
            "runs; raise sam.daily_request_budget if your key allows more, or run again tomorrow"
        )
    return SourceClient("sam", s.sam.base_url, timeout=s.http.timeout_seconds, retry=_retry(s),
                        max_concurrency=s.sam.concurrency, transport=plan.transport,
                        secret_params={"api_key": key}, request_budget=left,
                        on_request=_request_counter(plan, "sam"), on_page=_page_keeper(plan))


def usaspending_client(plan: RunPlan) -> SourceClient:
    s = plan.settings
    return SourceClient("usaspending", s.usaspending.base_url, timeout=s.http.timeout_seconds, retry=_retry(s),
                        max_concurrency=s.usaspending.concurrency, transport=plan.transport,
                        on_request=_request_counter(plan, "usaspending"), on_page=_page_keeper(plan))


def _request_counter(plan: RunPlan, source: str) -> Callable[[], None] | None:
    spool = plan.spool
    return None if spool is None else (lambda: spool.count_request(source))


def _page_keeper(plan: RunPlan) -> Callable[[RawPage], None] | None:
    spool = plan.spool
    return None if spool is None else spool.keep_page


def extract_sam(plan: RunPlan, client: SourceClient,
                on_page: Callable[[int, int | None], None] | None = None) -> SamExtract:
    s = plan.settings.sam
    programs = list(plan.scope.programs) if plan.scope.programs else None
    if s.mode == "public":
        # Pacing is politeness towards sam.gov; the demo's in-process emulator needs none.
        public = fetch_sam_public(client, known=known_public_documents(plan), programs=programs,
                                  include_inactive=s.status.lower() != "active", concurrency=s.public_concurrency,
                                  pace_seconds=0.0 if plan.demo else s.public_pace_seconds, on_progress=on_page)
        extract = public.extract
    else:
        extract = fetch_sam_listings(client, status=s.status, page_size=s.page_size, programs=programs,
                                     on_page=on_page)
    return extract


def known_public_documents(plan: RunPlan) -> dict[str, KnownDocument]:
    """Documents stored by earlier public-mode runs, read from the published warehouse (read-only)."""
    path = plan.settings.warehouse_path
    if not path.exists():
        return {}
    con = connect(path, read_only=True)
    try:
        return known_documents(con)
    finally:
        con.close()


def extract_usaspending(plan: RunPlan, client: SourceClient, fiscal_year: int,
                        on_page: Callable[[int, int | None], None] | None = None) -> UsaspendingExtract:
    extract = fetch_usaspending_year(client, fiscal_year, page_size=plan.settings.usaspending.page_size,
                                     programs=list(plan.scope.programs) if plan.scope.programs else None,
                                     on_page=on_page)
    return extract


def publish(plan: RunPlan, sam: SamExtract, usaspending: Sequence[UsaspendingExtract],
            *, fail_after_load: Callable[[], None] | None = None) -> RunRecord:
    """Load, reconcile and publish the run atomically; returns the finished run record.

    ``fail_after_load`` exists for the test that proves a run failing mid-way changes nothing.
    """
    settings, run, scope = plan.settings, plan.run, plan.scope
    rules = load_rules({k: v.model_dump(exclude_none=True) for k, v in settings.rules.items()})
    run.sam_listings = len(sam.listings)
    run.warnings = [*plan.warnings, *sam.warnings, *(w for e in usaspending for w in e.warnings)]
    notices: list[str] = []
    with _lock(plan), building(settings.warehouse_path, run.run_id, notices) as con, _interruptible(plan, con):
        run.warnings += notices
        repairing = needs_repair(con)  # a warehouse an earlier release wrote: this run repairs it, once
        if repairing:
            remember_before_repair(con)
        absorbed = absorb_leftover_runs(con, plan)
        run.warnings += _never_finished_warning(absorbed)
        load_raw_pages(con, run.run_id, [*sam.pages, *(p for e in usaspending for p in e.pages)])
        remember_before_load(con, scope)
        load_sam(con, run.run_id, sam, scope)
        load_public_documents(con, run.run_id, sam.public_documents)
        if not uses_usaspending_api(settings):
            from warehouse.archive_load import load_usaspending_from_archive

            run.usaspending_rows = load_usaspending_from_archive(
                con, archive_config(settings).store, run.run_id, scope)
        else:
            run.usaspending_rows = load_usaspending(con, run.run_id, usaspending, scope)
        # Every fiscal year in scope was asked, and answered in full (API pages or the archive's Full file).
        asked = tuple(scope.fiscal_years)
        drops = source_drops(con, run.run_id, asked)
        run.warnings += check_drops(plan, drops)
        # Absent is not changed: what the sources stopped showing is carried forward; asked and absent is
        # a statement.
        run.warnings += carry_forward(con, run.run_id, every_status=settings.sam.status.lower() == "all",
                                      asked_years=asked)
        record_context(con, run.run_id, scope, plan.today)
        if fail_after_load is not None:
            fail_after_load()
        run_file(con, "recon_program_year", {"current_fiscal_year": plan.current_fiscal_year})
        check_scope_matched(con, plan)
        explanations = load_explanations(explanation_overrides(settings))
        run.settings = run_settings(rules, explanations)
        # The run's own row (status running) while it reconciles, in this private copy only: its run
        # date says which years were complete when it stated its figures (recon.figure_changes,
        # figure_restated), and verify reads its settings. The finished row below replaces it; a failed
        # run discards the copy.
        record_run(con, run)
        record_history(con, run.run_id, scope, run.started_at)
        counts = merge_findings(con, run.run_id, rules, scope, explanations, repair=repairing,
                                run_date=plan.today)
        reviews = read_log(settings.annotations_path)
        for problem in reviews.problems:
            log.warning("%s", problem)
        run.warnings.extend(reviews.problems)
        sync_annotations(con, reviews.annotations, abs_tolerance=settings.reviews.abs_tolerance,
                         rel_tolerance=settings.reviews.rel_tolerance)
        run_file(con, "recon_agency_year")
        if repairing:
            run.warnings += record_repair(con, run.run_id)
        # What this run's report reads, as versions: `report --run-id` rebuilds it as written.
        record_versions(con, run.run_id)
        run.versioned = True
        py = con.execute("SELECT count(*) FROM recon.program_year").fetchone()
        run.program_years = int(py[0]) if py else 0
        run.findings_open, run.findings_new, run.findings_resolved = counts.open, counts.new, counts.resolved
        check_record(con, run.run_id)
        run.status, run.finished_at = "succeeded", datetime.now(timezone.utc)
        record_run(con, run)
        plan.check_cancelled()  # the last moment a Ctrl-C can keep the run from being published
    plan.published = True
    _discard_spools(plan, absorbed)
    return run


@contextmanager
def _interruptible(plan: RunPlan, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let plan.interrupt() stop the statement running on ``con`` while the run builds its copy."""
    plan.connection = con
    try:
        plan.check_cancelled()  # interrupted before the copy was made: stop before the first statement
        yield
    finally:
        plan.connection = None


def check_scope_matched(con: duckdb.DuckDBPyConnection, plan: RunPlan) -> None:
    """A run for named programs that matched nothing -- neither source has them, nor any earlier run --
    is a typo, not an empty answer: it fails (nothing published, reports/latest left alone), naming the
    closest numbers the warehouse knows. Checked after the fetch: only the sources can say a number is
    unknown."""
    scope = plan.scope
    if not scope.programs:
        return
    matched = con.execute("SELECT count(*) FROM recon.program_year "
                          "WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number)",
                          scope.params()).fetchone()
    if matched and matched[0]:
        return
    from spendrecon.findings_query import closest_programs

    known = [r[0] for r in con.execute("SELECT DISTINCT program_number FROM recon.program_year").fetchall()]
    hints = {p: closest_programs(p, known) for p in scope.programs}
    hint = "; ".join(f"closest known to {p}: {', '.join(c)}" for p, c in hints.items() if c)
    raise RunError(f"programs {', '.join(scope.programs)}: neither SAM.gov nor USAspending has any of them for "
                   f"{fiscal_years_text(scope.fiscal_years)}, and no earlier run saw them; nothing was "
                   "published" + (f" ({hint})" if hint else " (check the numbers)"))


def absorb_leftover_runs(con: duckdb.DuckDBPyConnection, plan: RunPlan) -> list[LeftoverRun]:
    """Record the runs that never finished (their spool folders, but this run's): their pages into raw,
    kept for audit and never used for figures, and a failed row each in meta.runs, requests counted."""
    left = leftover_runs(plan.settings.warehouse_path, except_run=plan.run.run_id)
    for one in left:
        load_raw_pages(con, one.record.run_id, one.pages())
        record_run(con, as_never_finished(one, plan.run.run_id))
    return left


def _never_finished_warning(absorbed: Sequence[LeftoverRun]) -> list[str]:
    if not absorbed:
        return []
    ids = ", ".join(one.record.run_id for one in absorbed)
    sam = sum(one.requests.get("sam", 0) for one in absorbed)
    return [f"{len(absorbed)} earlier run(s) never finished ({ids}): recorded as failed in meta.runs, "
            f"with the pages they had fetched kept in raw and their {sam:,} SAM.gov request(s) counted"]


def _discard_spools(plan: RunPlan, absorbed: Sequence[LeftoverRun]) -> None:
    """Once the warehouse holding them is published: the spool folders it absorbed, and this run's."""
    for one in absorbed:
        one.spool.discard()
    if plan.spool is not None:
        plan.spool.discard()


def check_drops(plan: RunPlan, drops: Sequence[SourceDrop]) -> list[str]:
    """Stop the run before it publishes when a complete answer lost more than ``drop_guard.max_share`` of
    what the source held in its last run (a source caught mid-reload); with ``--accept-drops``, publish
    and warn instead. Returns the warnings."""
    guard = plan.settings.drop_guard
    too_much = [d for d in drops if d.held >= guard.min_held
                and (d.lost_share > guard.max_share or d.lost_amount_share > guard.max_share)]
    if not too_much:
        return []
    described = "; ".join(_drop_text(d) for d in too_much)
    if plan.accept_drops:
        return [f"accepted with --accept-drops: {described}"]
    raise RunError(
        f"{described} (more than drop_guard.max_share, {guard.max_share:.0%}): a source caught mid-reload? "
        "Nothing was published. If the drop is real, run again with --accept-drops "
        "(or raise drop_guard.max_share in spendrecon.yaml)")


def _drop_text(drop: SourceDrop) -> str:
    if drop.source == "sam":
        return (f"SAM.gov no longer lists {drop.lost:,} of the {drop.held:,} programs it listed in the last run "
                f"({drop.lost_share:.1%})")
    amount = f", {drop.lost_amount_share:.1%} of its dollars" if drop.lost_amount else ""
    return (f"USAspending's FY{drop.fiscal_year} answer no longer holds {drop.lost:,} of the {drop.held:,} programs "
            f"it held in the last run ({drop.lost_share:.1%}{amount})")


def check_record(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """The record checks itself before it is published (warehouse/verify.py): the current figures
    equal the history's current versions, and every resolution and reopening of this run has a cause.
    A violation raises, naming up to ten cases, so that the published warehouse stays as it was."""
    result = verify(con, run_id)
    if result.ok:
        return
    counts = ", ".join(f"{check} {n:,}" for check, n in result.counts.items() if n)
    cases = "; ".join(case.line() for case in result.cases)
    more = result.violations - len(result.cases)
    raise RunError(f"the record this run built fails its own checks ({counts}), so it was not published: "
                   f"{cases}" + (f"; and {more:,} more" if more > 0 else ""))


def explanation_overrides(settings: Settings) -> dict[str, dict[str, object]]:
    return {k: dict(v) for k, v in settings.explanations.items()}


def record_failure(plan: RunPlan, error: BaseException) -> RunRecord:
    """Add the failed run to meta.runs without touching any published table.

    Uses the same copy-and-swap as a successful run, so a reader holding the file open is never
    disturbed. If even that fails, the original error is what the caller reports.
    """
    run = plan.run
    run.status, run.finished_at = "failed", datetime.now(timezone.utc)
    run.error = redact(f"{type(error).__name__}: {error}" if not str(error).startswith(type(error).__name__)
                       else str(error))
    try:
        with _lock(plan), building(plan.settings.warehouse_path, run.run_id) as con:
            absorbed = absorb_leftover_runs(con, plan)
            # What the sources answered before the run failed: raw only, for history and audit.
            if plan.spool is not None:
                load_raw_pages(con, run.run_id, plan.spool.pages())
            record_run(con, run)
        plan.failure_recorded = True
    except Exception as exc:  # noqa: BLE001 - never mask the run's own error
        log.warning("could not record the failed run in meta.runs: %s", redact(str(exc)))
        return run
    _discard_spools(plan, absorbed)
    return run


class Clients:
    """The run's two HTTP clients, created on first use so that a refusal (budget spent) is a run failure too."""

    def __init__(self, plan: RunPlan) -> None:
        self._plan = plan
        self._sam: SourceClient | None = None
        self._usaspending: SourceClient | None = None

    @property
    def sam(self) -> SourceClient:
        if self._sam is None:
            self._sam = sam_client(self._plan)
        return self._sam

    @property
    def usaspending(self) -> SourceClient:
        if self._usaspending is None:
            self._usaspending = usaspending_client(self._plan)
        return self._usaspending

    def count_requests(self) -> None:
        run = self._plan.run
        run.sam_requests = self._sam.requests if self._sam else 0
        run.usaspending_requests = self._usaspending.requests if self._usaspending else 0

    def close(self) -> None:
        for c in (self._sam, self._usaspending):
            if c is not None:
                c.close()


@contextmanager
def guarded_run(plan: RunPlan) -> Iterator[Clients]:
    """Hold the writer lock for the whole run and yield its clients; on any failure record it in
    meta.runs (requests spent included) and re-raise.

    The lock is taken before anything is spent: two runs can neither read the same remaining SAM.gov
    budget nor lose a failed run's request count to a lock conflict at the end.
    """
    # Only runs still going, and this one, stay: a process that runs the pipeline again and again (a
    # scheduler, the bench) would otherwise keep every run's plan, clients and pages for ever.
    _STARTED[:] = [p for p in _STARTED if not p.finished.is_set()]
    _STARTED.append(plan)
    try:
        with writer_lock(plan.settings.warehouse_path, wait_seconds=LOCK_WAIT_SECONDS,
                         holder=f"spendrecon run {plan.run.run_id}", on_wait=_say_waiting):
            plan.holds_lock = True
            plan.spool = RunSpool.open(plan.settings.warehouse_path, plan.run)
            clients = Clients(plan)
            try:
                plan.check_cancelled()
                yield clients
            except BaseException as exc:
                clients.count_requests()
                # Interrupted: whatever the run was doing when it stopped, Ctrl-C is why it failed.
                record_failure(plan, RunInterrupted("interrupted (Ctrl-C) before publishing")
                               if plan.interrupted else exc)
                raise
            else:
                if plan.spool is not None:
                    plan.spool.discard()  # no publish recorded this run, and it did not fail: nothing to keep
            finally:
                clients.close()
                plan.holds_lock = False
    finally:
        plan.finished.set()


# The runs this process has going, and the last it started (one, for the CLI): what its Ctrl-C handler
# stops and reports on.
_STARTED: list[RunPlan] = []


def started_runs() -> list[RunPlan]:
    return list(_STARTED)


def _say_waiting(holder: str) -> None:
    log.warning("waiting for the writer lock: %s (up to %.0f s)", holder, LOCK_WAIT_SECONDS)


def _lock(plan: RunPlan) -> AbstractContextManager[None]:
    return nullcontext() if plan.holds_lock else writer_lock(
        plan.settings.warehouse_path, wait_seconds=LOCK_WAIT_SECONDS, holder=f"spendrecon run {plan.run.run_id}",
        on_wait=_say_waiting)


def uses_usaspending_api(settings: Settings) -> bool:
    """USAspending's search API (the demo's emulator in a demo), not the archive store."""
    return settings.usaspending.mode == "api"
