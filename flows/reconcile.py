"""The reconciliation flow: thin Prefect tasks over spendrecon.pipeline's plain functions.

Tasks are coarse on purpose (one per source and fiscal year): every task run is a round trip to
the Prefect server.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from connectors.http import BudgetExceeded, ClientError, MalformedPayload, RetriesExhausted, SourceClient
from connectors.records import SamExtract, UsaspendingExtract
from spendrecon import pipeline
from spendrecon.config import load_settings
from spendrecon.pipeline import RunPlan
from spendrecon.report import summary_markdown, write_report

# The HTTP layer already retried transient failures; a task retry is the second line, for outages
# lasting minutes. Errors that another attempt cannot fix are not retried (and SAM.gov retries
# would spend the daily quota).
_FINAL_ERRORS = (ClientError, BudgetExceeded, MalformedPayload, pipeline.RunError)


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


def _progress(label: str):  # type: ignore[no-untyped-def]
    logger = get_run_logger()

    def on_page(page: int, total: int | None) -> None:
        logger.info("%s: page %d%s", label, page, f" of {total}" if total else "")

    return on_page


@task(name="extract-sam", retries=1, retry_delay_seconds=30, retry_condition_fn=_sam_worth_retrying,
      cache_policy=NO_CACHE)
def extract_sam_task(plan: RunPlan, client: SourceClient) -> SamExtract:
    extract = pipeline.extract_sam(plan, client, on_page=_progress("SAM.gov"))
    get_run_logger().info("SAM.gov: %d listings in %d requests", len(extract.listings), client.requests)
    return extract


@task(name="extract-usaspending", retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=_worth_retrying,
      cache_policy=NO_CACHE, task_run_name="extract-usaspending-fy{fiscal_year}")
def extract_usaspending_task(plan: RunPlan, client: SourceClient, fiscal_year: int) -> UsaspendingExtract:
    extract = pipeline.extract_usaspending(plan, client, fiscal_year,
                                           on_page=_progress(f"USAspending FY{fiscal_year}"))
    get_run_logger().info("USAspending FY%d: %d programs", fiscal_year, len(extract.rows))
    return extract


@task(name="load-and-reconcile", cache_policy=NO_CACHE)
def publish_task(plan: RunPlan, sam: SamExtract, usaspending: Sequence[UsaspendingExtract]) -> dict[str, Any]:
    run = pipeline.publish(plan, sam, usaspending)
    return {"run_id": run.run_id, "findings_open": run.findings_open, "findings_new": run.findings_new,
            "findings_resolved": run.findings_resolved, "program_years": run.program_years}


@task(name="report", cache_policy=NO_CACHE)
def report_task(warehouse: Path, reports_dir: Path, run_id: str) -> str:
    folder = write_report(warehouse, reports_dir, run_id)
    create_markdown_artifact(key="spendrecon-run-summary", markdown=summary_markdown(warehouse, run_id),
                             description=f"spendrecon run {run_id}")
    return str(folder)


@flow(name="spendrecon-reconcile", log_prints=True)
def reconcile_flow(
    config_path: str | None = None,
    demo: bool = False,
    fiscal_years: list[int] | None = None,
    programs: list[str] | None = None,
    demo_vintage: int = 1,
) -> dict[str, Any]:
    """Extract both sources in parallel, load and reconcile atomically, then write the report."""
    settings = load_settings(config_path, overrides={"fiscal_years": fiscal_years, "programs": programs})
    plan = pipeline.plan_run(settings, demo=demo, demo_vintage=demo_vintage)
    logger = get_run_logger()
    logger.info("run %s: fiscal years %s, %s", plan.run.run_id, list(plan.scope.fiscal_years),
                "demo data" if demo else "live services")
    with pipeline.guarded_run(plan) as clients:
        sam_future = extract_sam_task.submit(plan, clients.sam)
        if not pipeline.uses_usaspending_api(plan) and settings.usaspending.archive_sources:
            # Archive mode: apply the configured Full/Delta files (one task each) while SAM.gov is fetched.
            from flows.archive import ingest_archive_flow, secret_sources

            # SecretStr: the URLs may carry credentials, and Prefect records flow parameters.
            ingest_archive_flow(secret_sources(settings.usaspending.archive_sources), config_path=config_path)
        usas_futures = [
            extract_usaspending_task.submit(plan, clients.usaspending, fy) for fy in plan.scope.fiscal_years
        ] if pipeline.uses_usaspending_api(plan) else []
        sam = sam_future.result()
        usas = [f.result() for f in usas_futures]
        clients.count_requests()
        outcome = publish_task(plan, sam, usas)
    try:
        outcome["report_dir"] = report_task(settings.warehouse_path, settings.reports_path, outcome["run_id"])
    except Exception as exc:  # noqa: BLE001 - the run itself succeeded and is published
        logger.warning("the run is published, but its report failed: %s; retry with `spendrecon report`",
                       pipeline.redact(str(exc)))
        outcome["report_dir"] = None
    outcome["warehouse"] = str(settings.warehouse_path)
    return outcome
