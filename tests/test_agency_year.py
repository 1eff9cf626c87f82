"""recon.agency_year: per agency and year, dollars each side, the share within tolerance, findings by rule."""
from decimal import Decimal

from recon_fixtures import add_sam, add_usaspending, new_warehouse, reconcile
from warehouse.db import run_file


def test_an_agency_year_rolls_up_programs_dollars_and_findings():
    con = new_warehouse()
    add_sam(con, "97.001", 2022, actual="1000000", department="Department of Homeland Security")
    add_usaspending(con, "97.001", 2022, "1000000")            # agrees
    add_sam(con, "97.102", 2022, actual="3000000", department="Department of Homeland Security")
    add_usaspending(con, "97.102", 2022, "0")                  # actual_not_in_usaspending
    add_usaspending(con, "97.U99", 2022, "500000")             # unlisted: agency from the 97 prefix
    reconcile(con, "run1")
    run_file(con, "recon_agency_year")
    cur = con.execute("SELECT * FROM recon.agency_year WHERE agency = 'Department of Homeland Security' "
                      "AND fiscal_year = 2022")
    row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    assert row["programs_compared"] == 3 and row["programs_both_sides"] == 2
    assert row["sam_actual"] == Decimal("4000000.00")
    assert row["usaspending_obligations"] == Decimal("1500000.00")
    assert row["dollars_compared"] == Decimal("4500000.00")
    assert row["dollars_within_tolerance"] == Decimal("1000000.00")
    assert row["share_within_tolerance"] == Decimal("0.2222")
    assert (row["findings"], row["findings_actual_not_in_usaspending"], row["findings_obligations_not_in_sam"]) == (2, 1, 1)
    assert row["findings_explained"] == 1  # the unlisted number
    assert row["dollars_at_stake"] == Decimal("3500000.00")
