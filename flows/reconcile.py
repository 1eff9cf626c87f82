"""The reconciliation flow: thin Prefect tasks over spendrecon.pipeline's plain functions.

Tasks are coarse on purpose (one per source and fiscal year): every task run is a round trip to
the Prefect server.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed

from connectors.errors import BudgetExceeded, ClientError, MalformedPayload, RetriesExhausted, Unreachable
from connectors.http import SourceClient
from connectors.records import SamExtract, UsaspendingExtract
from spendrecon import pipeline
from spendrecon.archive_ingest import archive_config
from spendrecon.config import load_settings
from spendrecon.fiscal import fiscal_years_text
from spendrecon.pipeline import RunPlan
from spendrecon.redaction import redact
from spendrecon.report import read_summary, write_report
from spendrecon.run_errors import RunCancelled, RunError
from spendrecon.run_progress import PROGRESS_ENV, LineProgress, RunProgress

# The HTTP layer already retried transient failures; a task retry is the second line, for outages
# lasting minutes. Errors that another attempt cannot fix are not retried (and SAM.gov retries
# would spend the daily quota), nor is a host that cannot be reached at all (offline, or a wrong URL:
# the run says so in seconds instead of waiting out minutes of pauses).
_FINAL_ERRORS = (ClientError, BudgetExceeded, MalformedPayload, RunError, Unreachable)


def _worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except _FINAL_ERRORS:
        return False
    except Exception:  # noqa: BLE001 - anything else may be transient
        return True
    return False


def _sam_worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    # A 429 from SAM.gov means the daily quota: another attempt would only spend more of it.
    try:
        state.result()
    except RetriesExhausted as exc:
        if exc.status_code == 429:
            return False
    except Exception:  # noqa: BLE001 - judged below
        pass
    return _worth_retrying(task, task_run, state)


_reporter: RunProgress | None = None


def set_progress(reporter: RunProgress | None) -> None:
    """Where the run's step lines go besides Prefect's log (the CLI's bars and lines). Flow parameters
    must be serialisable, so a live display is handed over here rather than as a parameter."""
    global _reporter
    _reporter = reporter


def progress() -> RunProgress:
    global _reporter
    if _reporter is None:
        # A run started by `serve` runs in a process of Prefect's runner: lines, if serve asked for them.
        _reporter = LineProgress() if os.environ.get(PROGRESS_ENV) == "lines" else RunProgress()
    return _reporter


def _progress(plan: RunPlan, label: str, step: str | None = None):  # type: ignore[no-untyped-def]
    logger = get_run_logger()

    def on_page(page: int, total: int | None) -> None:
        plan.check_cancelled()  # a sibling failed for good: stop between pages
        logger.info("%s: page %d%s", label, page, f" of {total}" if total else "")
        if step is not None:
            progress().update(step, page, total, detail="pages")

    return on_page


# Pauses before a task's retry, in seconds. Waited out by the task itself (Prefect's own delay cannot
# be interrupted) so that a run failing elsewhere cancels the wait at once.
SAM_RETRY_PAUSES = (30.0,)
USASPENDING_RETRY_PAUSES = (10.0, 60.0)


def _pause_before_retry(plan: RunPlan, pauses: Sequence[float]) -> None:
    from prefect.runtime import task_run

    attempt = int(task_run.run_count or 1)
    if attempt > 1:
        plan.pause(pauses[min(attempt - 2, len(pauses) - 1)])


@contextmanager
def _cancellable(plan: RunPlan) -> Iterator[None]:
    """A task interrupted because the run is being cancelled (its client closed under it) ends as
    cancelled, which is final: no retry of work nobody will use."""
    try:
        yield
    except RunCancelled:
        raise
    except Exception as exc:
        if plan.cancelled.is_set():
            raise RunCancelled("stopped: another part of the run failed") from exc
        raise


@task(name="extract-sam", retries=1, retry_delay_seconds=0, retry_condition_fn=_sam_worth_retrying,
      cache_policy=NO_CACHE)
def extract_sam_task(plan: RunPlan, client: SourceClient) -> SamExtract:
    _pause_before_retry(plan, SAM_RETRY_PAUSES)
    with _cancellable(plan):
        extract = pipeline.extract_sam(plan, client, on_page=_progress(plan, "SAM.gov", "sam"))
    get_run_logger().info("SAM.gov: %d listings in %d requests", len(extract.listings), client.requests)
    return extract


@task(name="extract-usaspending", retries=2, retry_delay_seconds=0, retry_condition_fn=_worth_retrying,
      cache_policy=NO_CACHE, task_run_name="extract-usaspending-fy{fiscal_year}")
def extract_usaspending_task(plan: RunPlan, client: SourceClient, fiscal_year: int) -> UsaspendingExtract:
    _pause_before_retry(plan, USASPENDING_RETRY_PAUSES)
    with _cancellable(plan):
        extract = pipeline.extract_usaspending(plan, client, fiscal_year,
                                               on_page=_progress(plan, f"USAspending FY{fiscal_year}"))
    get_run_logger().info("USAspending FY%d: %d programs", fiscal_year, len(extract.rows))
    return extract


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _gather(plan: RunPlan, sam_future: PrefectFuture[SamExtract],
            usas_futures: Sequence[PrefectFuture[UsaspendingExtract]]) -> None:
    """Wait for the extractions in the order they finish. The first to fail for good (after its
    retries) cancels the others and fails the run at once, rather than after a sibling's back-off."""
    years = list(plan.scope.fiscal_years)
    done_years, rows, pages = 0, 0, 0
    try:
        for future in as_completed([sam_future, *usas_futures]):
            result = future.result()
            if future is sam_future:
                progress().finish("sam", f"{_count(len(result.listings), 'listing')} ({_count(len(result.pages), 'page')})")
                continue
            done_years += 1
            rows += len(result.rows)
            pages += len(result.pages)
            progress().update("usaspending", done_years, len(years), detail="fiscal years")
            if done_years == len(years):
                span = fiscal_years_text(years)  # "FY2019, FY2023" is not FY2019-FY2023
                progress().finish("usaspending", f"{span}, {_count(rows, 'program-year')} ({_count(pages, 'page')})")
    except BaseException:
        plan.cancel()
        raise


@contextmanager
def _secrets_kept_out() -> Iterator[None]:
    """Prefect stores a failed task's exception text (its state message, its pickled result) in its
    database. A SourceError is redacted when made, but an unexpected error can still quote a secret
    (the SAM.gov key in a URL): it leaves the task as the same error with the secret masked."""
    try:
        yield
    except Exception as exc:
        text = str(exc)
        clean = redact(text)
        if clean == text:
            raise
        try:
            masked: Exception = type(exc)(clean)
        except Exception:  # noqa: BLE001 - an error type that cannot be rebuilt from its text alone
            masked = RunError(f"{type(exc).__name__}: {clean}")
        raise masked from None


@task(name="load-and-reconcile", cache_policy=NO_CACHE)
def publish_task(plan: RunPlan, sam: SamExtract, usaspending: Sequence[UsaspendingExtract]) -> dict[str, Any]:
    with _secrets_kept_out():
        run = pipeline.publish(plan, sam, usaspending)
    return {"run_id": run.run_id, "findings_open": run.findings_open, "findings_new": run.findings_new,
            "findings_resolved": run.findings_resolved, "program_years": run.program_years}


@task(name="report", cache_policy=NO_CACHE)
def report_task(warehouse: Path, reports_dir: Path, run_id: str) -> str:
    with _secrets_kept_out():
        folder = write_report(warehouse, reports_dir, run_id)
    create_markdown_artifact(key="spendrecon-run-summary", markdown=read_summary(folder),
                             description=f"spendrecon run {run_id}")
    return str(folder)


@flow(name="spendrecon-reconcile", log_prints=True)
def reconcile_flow(
    config_path: str | None = None,
    demo: bool = False,
    fiscal_years: list[int] | None = None,
    programs: list[str] | None = None,
    demo_vintage: int = 1,
    as_of: str | None = None,
    accept_drops: bool = False,
) -> dict[str, Any]:
    """Extract both sources in parallel, load and reconcile atomically, then write the report.
    ``as_of`` (YYYY-MM-DD): the run date timing is judged by; default the config's, else today.
    ``accept_drops``: publish although a source's answer lost more than drop_guard allows."""
    settings = load_settings(config_path, overrides={"fiscal_years": fiscal_years, "programs": programs,
                                                     "as_of": as_of})
    return reconcile(pipeline.plan_run(settings, demo=demo, demo_vintage=demo_vintage, accept_drops=accept_drops))


# Not validated: a plan holds a transport and an Event, which pydantic would copy or refuse.
@flow(name="spendrecon-reconcile-plan", log_prints=True, validate_parameters=False)
def reconcile_plan_flow(plan: Any) -> dict[str, Any]:
    """The same run for a plan the caller made (tests: their own settings, transport or clock; the
    history benchmark calls the plain steps itself, to time old checkouts side by side). ``plan.run`` is the run's record, complete when the flow returns."""
    return reconcile(plan)


def reconcile(plan: RunPlan) -> dict[str, Any]:
    """The run's sequence, the only one: called inside a flow run, it submits the steps as tasks."""
    settings = plan.settings
    logger = get_run_logger()
    logger.info("run %s: fiscal years %s, %s", plan.run.run_id, list(plan.scope.fiscal_years),
                "demo data" if plan.demo else "live services")
    with pipeline.guarded_run(plan) as clients:
        progress().begin("sam", "SAM.gov")
        sam_future = extract_sam_task.submit(plan, clients.sam)
        if not pipeline.uses_usaspending_api(settings) and settings.usaspending.archive_sources:
            # Archive mode: apply the configured Full/Delta files (one task each) while SAM.gov is fetched.
            from flows.archive import run_archive_flow, secret_sources

            # SecretStr: the URLs may carry credentials, and Prefect records flow parameters.
            run_archive_flow(secret_sources(settings.usaspending.archive_sources), archive_config(settings))
        if pipeline.uses_usaspending_api(settings):
            progress().begin("usaspending", "USAspending", total=len(plan.scope.fiscal_years))
        usas_futures = [
            extract_usaspending_task.submit(plan, clients.usaspending, fy) for fy in plan.scope.fiscal_years
        ] if pipeline.uses_usaspending_api(settings) else []
        _gather(plan, sam_future, usas_futures)
        sam = sam_future.result()
        usas = [f.result() for f in usas_futures]
        clients.count_requests()
        progress().begin("publish", "load and reconcile")
        outcome = publish_task(plan, sam, usas)
        progress().finish("publish", f"{outcome['program_years']:,} program-years, "
                                     f"{outcome['findings_open']:,} open findings")
    progress().begin("report", "report")
    outcome["report_error"] = None
    try:
        outcome["report_dir"] = report_task(settings.warehouse_path, settings.reports_path, outcome["run_id"])
        progress().finish("report", "written (report.html, summary.md, findings.csv)")
    except Exception as exc:  # noqa: BLE001 - the run itself succeeded and is published
        reason = redact(str(exc))
        logger.warning("the run is published, but its report failed: %s; retry with `spendrecon report`", reason)
        progress().finish("report", f"failed: {reason}")
        outcome["report_dir"] = None
        outcome["report_error"] = reason
    outcome["warehouse"] = str(settings.warehouse_path)
    return outcome
