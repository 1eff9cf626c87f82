"""amount_mismatch: both sides non-zero, gap above $1,000 AND above 5% of the larger side."""
from decimal import Decimal

from recon_fixtures import add_sam, add_usaspending, build_program_year, hits, new_warehouse


def _pair(con, program, sam, usas):
    add_sam(con, program, 2022, actual=sam)
    add_usaspending(con, program, 2022, usas)


def test_a_gap_over_both_tolerances_is_flagged_with_signed_difference():
    con = new_warehouse()
    _pair(con, "20.001", "100000", "80000")
    build_program_year(con)
    row = hits(con, "amount_mismatch")[("20.001", 2022)]
    assert row["difference"] == Decimal("20000.00")


def test_both_tolerances_must_be_exceeded():
    con = new_warehouse()
    _pair(con, "20.002", "10000000", "9600000")  # $400k apart but only 4%
    _pair(con, "20.003", "10000", "8500")        # $1,500 and 15% apart: over both
    _pair(con, "20.004", "5000", "4100")         # 18% apart but $900
    build_program_year(con)
    assert set(hits(con, "amount_mismatch")) == {("20.003", 2022)}


def test_relative_tolerance_uses_the_larger_side_and_is_configurable():
    con = new_warehouse()
    _pair(con, "20.005", "100000", "105000")  # 5000 / 105000 = 4.76%: inside 5%
    build_program_year(con)
    assert hits(con, "amount_mismatch") == {}
    assert ("20.005", 2022) in hits(con, "amount_mismatch", rel_tolerance="0.01")


def test_zero_or_missing_sides_belong_to_other_rules():
    con = new_warehouse()
    _pair(con, "20.006", "0", "50000")
    _pair(con, "20.007", "50000", "0")
    add_sam(con, "20.008", 2022, actual="50000")
    build_program_year(con)
    assert hits(con, "amount_mismatch") == {}


def test_negative_usaspending_totals_are_compared_by_absolute_size():
    con = new_warehouse()
    _pair(con, "20.009", "50000", "-20000")
    build_program_year(con)
    assert hits(con, "amount_mismatch")[("20.009", 2022)]["difference"] == Decimal("70000.00")


def test_an_overridden_message_is_rendered_by_the_warehouse_as_python_renders_it():
    from warehouse.findings import merge_findings
    from warehouse.rules.registry import load_rules, render_message
    from warehouse.scope import Scope

    con = new_warehouse()
    _pair(con, "20.009", "1000000", "-4999.5")
    build_program_year(con)
    rules = load_rules({"amount_mismatch": {
        "message": "FY{fiscal_year:d} {{x}}: {difference:>16} ({rel_tolerance_pct}, {abs_tolerance:<10}|)"}})
    merge_findings(con, "r1", rules, Scope((2022,)))
    (message,) = con.execute("SELECT message FROM recon.findings WHERE rule_id = 'amount_mismatch'").fetchone()
    rule = next(r for r in rules if r.id == "amount_mismatch")
    row = {"program_number": "20.009", "fiscal_year": 2022, "sam_amount": Decimal("1000000.00"),
           "usaspending_amount": Decimal("-4999.50"), "difference": Decimal("1004999.50")}
    assert message == render_message(rule, row) == "FY2022 {x}:    $1,004,999.50 (5.00%, $1,000.00 |)"
