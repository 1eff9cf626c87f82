"""`spendrecon annotate`'s work: record a review note and publish it at once, under the writer lock.

A command of its own, not a run step: it checks the note against the published findings, appends it
to the review log (settings.annotations_path) with the figures and status of each finding it covers,
and re-syncs recon.annotations in a copy-and-swap.
"""
from __future__ import annotations

from collections.abc import Callable

from spendrecon import pipeline
from spendrecon.config import Settings
from spendrecon.run_errors import RunError
from warehouse.annotations import Annotation, append_log, read_log, sync_annotations, with_what_it_saw
from warehouse.db import open_published
from warehouse.publish import building, writer_lock
from warehouse.runs import new_run_id


def annotate(settings: Settings, annotation: Annotation, *, on_wait: Callable[[str], None] | None = None) -> int:
    """Record a review note and publish it at once; returns how many findings it now covers.
    ``on_wait`` hears who holds the writer lock, if it is held, before the wait for it."""
    path = settings.warehouse_path
    check = open_published(path, RunError)  # no file, or no successful run yet: refused, naming which
    try:
        known = check.execute(
            "SELECT count(*) FROM recon.program_year WHERE program_number = $p AND fiscal_year = $fy",
            {"p": annotation.program_number, "fy": annotation.fiscal_year}).fetchone()
        rules = [r[0] for r in check.execute(
            "SELECT DISTINCT rule_id FROM recon.findings WHERE program_number = $p AND fiscal_year = $fy "
            "ORDER BY 1", {"p": annotation.program_number, "fy": annotation.fiscal_year}).fetchall()]
        hint = "check the program number (e.g. 97.102) and fiscal year"
        if not known or known[0] == 0:
            from spendrecon.findings_query import UnknownProgram, check_program_known

            try:  # a typo (97.10) gets the closest known ALNs, as `findings --program` gives them
                check_program_known(check, annotation.program_number)
            except UnknownProgram as exc:
                hint = str(exc)
    finally:
        check.close()
    if not known or known[0] == 0:
        raise RunError(f"{annotation.program_number} FY{annotation.fiscal_year} is not in recon.program_year; {hint}")
    if not rules or (annotation.rule_id is not None and annotation.rule_id not in rules):
        # A review of nothing would sit in the log unseen; refuse it before anything is written.
        what = f"no {annotation.rule_id} finding" if annotation.rule_id else "no finding"
        has = f" (its findings: {', '.join(rules)})" if rules else ""
        raise RunError(f"{annotation.program_number} FY{annotation.fiscal_year} has {what}{has}; "
                       "nothing recorded")
    # Read at call time from pipeline, where a run waits the same: one setting, one place to patch.
    with writer_lock(path, wait_seconds=pipeline.LOCK_WAIT_SECONDS, holder="spendrecon annotate", on_wait=on_wait):
        with building(path, f"annotate-{new_run_id()}") as con:
            # Appended only once the lock is ours: a refused annotate leaves no note behind. What the review
            # saw is read here, under the lock, from the warehouse it is published into.
            append_log(settings.annotations_path, with_what_it_saw(con, annotation))
            sync_annotations(con, read_log(settings.annotations_path).annotations,
                             abs_tolerance=settings.reviews.abs_tolerance,
                             rel_tolerance=settings.reviews.rel_tolerance)
            covered = con.execute(
                "SELECT count(*) FROM recon.findings WHERE program_number = $p AND fiscal_year = $fy "
                "AND ($rule IS NULL OR rule_id = $rule)",
                {"p": annotation.program_number, "fy": annotation.fiscal_year, "rule": annotation.rule_id},
            ).fetchone()
    return int(covered[0]) if covered else 0
