"""net_deobligation: USAspending's total for the year is negative."""
from recon_fixtures import add_sam, add_usaspending, new_warehouse, primary, reconcile


def test_a_negative_usaspending_total_is_explained():
    con = new_warehouse()
    add_sam(con, "15.100", 2021, actual="2000000")
    add_usaspending(con, "15.100", 2021, "-350000.25")
    reconcile(con, "run1")
    code, reason = primary(con, "15.100", 2021, "amount_mismatch")
    assert code == "net_deobligation"
    assert "net figure of -$350,000.25" in reason


def test_a_positive_total_is_not():
    con = new_warehouse()
    add_sam(con, "15.101", 2021, actual="2000000")
    add_usaspending(con, "15.101", 2021, "350000")
    reconcile(con, "run1")
    assert primary(con, "15.101", 2021, "amount_mismatch") == (None, None)
