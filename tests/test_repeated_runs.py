"""A process that runs the pipeline again and again (a scheduler, the year-of-runs bench) keeps none of
its finished runs: each run's plan holds its clients, emulated sources and pages, and a process that kept
them all grew by about 14 MB a run and spent ever more CPU collecting garbage (run 80 of make
bench-years cost twice run 1's CPU in one process, and the same as run 1 in a fresh one)."""
from __future__ import annotations

import gc
from pathlib import Path

from spendrecon.pipeline import (RunPlan, extract_sam, extract_usaspending, guarded_run, plan_run, publish,
                                 started_runs)
from tests.conftest import demo_settings


def _run_in_process(settings) -> str:  # type: ignore[no-untyped-def]
    plan = plan_run(settings, demo=True)
    with guarded_run(plan) as clients:
        sam = extract_sam(plan, clients.sam)
        usas = [extract_usaspending(plan, clients.usaspending, fy) for fy in plan.scope.fiscal_years]
        clients.count_requests()
        publish(plan, sam, usas)
    return plan.run.run_id


def test_a_process_running_again_and_again_keeps_only_its_last_run(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    run_ids = [_run_in_process(settings) for _ in range(3)]
    gc.collect()
    alive = {o.run.run_id for o in gc.get_objects() if isinstance(o, RunPlan)} & set(run_ids)
    # The last stays for the Ctrl-C handler (a Ctrl-C after publishing says the run was published).
    assert alive == {run_ids[-1]}
    assert [p.run.run_id for p in started_runs()] == [run_ids[-1]]
