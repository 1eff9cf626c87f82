"""Make tests/fixtures/repair/warehouse_cf07e8a.duckdb.gz: a small warehouse as release cf07e8a left it after
SAM.gov republished a listing under a new id - the case that release got wrong (lost figures, findings
resolved without a cause, first reports counted as restatements). tests/test_repair.py runs today's
release on a copy and checks that its next run repairs it.

Run once, against a checkout of cf07e8a (not against main: the point is what the old code wrote):

    git worktree add /tmp/cf07e8a cf07e8a
    PYTHONPATH=/tmp/cf07e8a .venv/bin/python scripts/make_repair_fixture.py /tmp/fx/warehouse_cf07e8a.duckdb
    gzip -9 -c /tmp/fx/warehouse_cf07e8a.duckdb > tests/fixtures/repair/warehouse_cf07e8a.duckdb.gz
    cp /tmp/fx/warehouse_cf07e8a_data/annotations.jsonl tests/fixtures/repair/

(DuckDB files are mostly empty blocks: gzipped, 9 MB become 40 kB.)

It uses only what cf07e8a's pipeline offers (plan_run, publish) and builds the sources' answers as
records, so no HTTP and no Prefect are involved. The annotations file beside the warehouse holds one
review, so the repair can be shown to keep it.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from connectors.records import SamExtract, SamListing, SamObligationLine, UsaspendingExtract, UsaspendingProgramYear
from spendrecon.config import load_settings
from spendrecon.pipeline import plan_run, publish

YEARS = [2019, 2020, 2021, 2022, 2023]
RUN_TIMES = (datetime(2026, 11, 2, 6, tzinfo=timezone.utc), datetime(2026, 11, 3, 6, tzinfo=timezone.utc))


def _listing(number: str, program_id: str, published: str, lines: dict[tuple[int, str], tuple[str | None, str | None]]
             ) -> SamListing:
    """lines: (fiscal year, assistance type) -> (estimate, actual)."""
    return SamListing(
        program_number=number, title=f"Program {number}", department="Department of Fixtures",
        agency="Department of Fixtures", status="Active", version="2.0", program_id=program_id,
        published_date=published, assistance_types=tuple(dict.fromkeys(code for _, code in lines)),
        lines=tuple(SamObligationLine(number, fy, code, None, Decimal(a) if a else None, Decimal(e) if e else None)
                    for (fy, code), (e, a) in lines.items()))


# 10.901: one listing, FY2019-FY2023, two assistance types; FY2023 has an actual on B01 only.
FIRST = _listing("10.901", "old-id", "2023-01-10", {
    (2019, "B01"): ("900000", "1000000"), (2020, "B01"): ("900000", "2000000"), (2021, "B01"): ("900000", "3000000"),
    (2022, "B01"): ("900000", "4000000"), (2022, "C01"): ("50000", "60000"),
    (2023, "B01"): ("900000", "5000000"), (2023, "C01"): ("70000", None),
})
# Republished under a new id carrying FY2022-FY2023 only; C01's FY2023 actual arrives (a first report).
REVISED = _listing("10.901", "new-id", "2024-01-10", {
    (2022, "B01"): ("900000", "4000000"), (2022, "C01"): ("50000", "60000"),
    (2023, "B01"): ("900000", "5000000"), (2023, "C01"): ("70000", "80000"),
})
STEADY = _listing("10.902", "steady-id", "2023-01-10", {(fy, "B01"): ("100", "2000000") for fy in YEARS})
# USAspending has nothing for 10.901's FY2019-FY2021 (actual_not_in_usaspending) and matches the rest.
USASPENDING = {
    2019: {"10.902": "2000000"}, 2020: {"10.902": "2000000"}, 2021: {"10.902": "2000000"},
    2022: {"10.901": "4060000", "10.902": "2000000"}, 2023: {"10.901": "5080000", "10.902": "2000000"},
}


def _usaspending() -> list[UsaspendingExtract]:
    return [UsaspendingExtract(fy, [UsaspendingProgramYear(n, fy, f"Program {n}", Decimal(a)) for n, a in rows.items()],
                               [], 0) for fy, rows in USASPENDING.items()]


def main(out: Path) -> None:
    folder = out.parent
    if out.exists():
        raise SystemExit(f"{out} exists: delete it first")
    data = folder / f"{out.stem}_data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "annotations.jsonl").write_text(json.dumps({
        "program_number": "10.901", "fiscal_year": 2019, "rule_id": "actual_not_in_usaspending",
        "status": "accepted", "note": "fixture review: known gap", "author": "fixture",
        "annotated_at": "2026-11-02T07:00:00+00:00"}) + "\n", encoding="utf-8")
    settings = load_settings(None, overrides={"fiscal_years": YEARS, "warehouse": str(out), "data_dir": str(data),
                                              "reports_dir": str(folder / "reports")}, environ={})
    for when, listings in zip(RUN_TIMES, ([FIRST, STEADY], [REVISED, STEADY])):
        plan = plan_run(settings, demo=True, now=when)
        publish(plan, SamExtract(listings, [], 0, None), _usaspending())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
