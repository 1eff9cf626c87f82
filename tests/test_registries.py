"""The registries hold together: every rule and explanation in the YAML has its SQL file and its test
module, every SQL file beside them is registered, each returns the fixed columns, and the demo's
warehouse holds only the values the README and the YAML name (severity, status, triage, kind, family)."""
from __future__ import annotations

import string
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb
import pytest

from recon_fixtures import RUN_DATE, add_sam, add_usaspending, new_warehouse, reconcile
from spendrecon.report.triage import BUCKETS
from warehouse import assistance_types
from warehouse.db import execute
from warehouse.explanations.registry import KINDS, load_explanations
from warehouse.findings import evaluate_rules
from warehouse.rules.registry import SAM_FIGURES, SEVERITIES, load_rules
from warehouse.scope import Scope

TESTS = Path(__file__).parent
RULE_IDS = [r.id for r in load_rules()]
EXPLANATION_IDS = [e.id for e in load_explanations()]
RULE_COLUMNS = [("program_number", "VARCHAR"), ("fiscal_year", "INTEGER"), ("sam_amount", "DECIMAL(18,2)"),
                ("usaspending_amount", "DECIMAL(18,2)"), ("difference", "DECIMAL(18,2)")]
# What explain_current reads from every explanation (explanations.yaml's header).
EXPLANATION_COLUMNS = [("program_number", "VARCHAR"), ("fiscal_year", "INTEGER"), ("rule_id", "VARCHAR"),
                       ("related_fiscal_year", "INTEGER")]
STATUSES = ("new", "open", "resolved", "reopened")
FAMILIES = {v for k, v in vars(assistance_types).items() if k.isupper() and isinstance(v, str)}


def _sql_files(package: str) -> set[str]:
    return {p.name.removesuffix(".sql") for p in resources.files(package).iterdir() if p.name.endswith(".sql")}


def test_every_rule_has_its_sql_file_and_test_module_and_every_sql_file_is_a_rule() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS)) == 5
    assert _sql_files("warehouse.rules") == set(RULE_IDS)
    missing = [i for i in RULE_IDS if not (TESTS / f"test_rule_{i}.py").is_file()]
    assert missing == []
    orphans = {p.stem.removeprefix("test_rule_") for p in TESTS.glob("test_rule_*.py")} - set(RULE_IDS)
    assert orphans == set()


def test_every_explanation_has_its_sql_file_and_test_module_and_every_sql_file_is_one() -> None:
    assert len(EXPLANATION_IDS) == len(set(EXPLANATION_IDS)) == 14
    assert _sql_files("warehouse.explanations") == set(EXPLANATION_IDS)
    missing = [i for i in EXPLANATION_IDS if not (TESTS / f"test_explanation_{i}.py").is_file()]
    assert missing == []
    orphans = {p.stem.removeprefix("test_explanation_") for p in TESTS.glob("test_explanation_*.py")}
    assert orphans - set(EXPLANATION_IDS) == set()
    # Priorities are distinct and run in order 1..n, so "those before it" is well defined.
    assert sorted(e.priority for e in load_explanations()) == list(range(1, len(EXPLANATION_IDS) + 1))


def test_registered_values_are_the_accepted_ones() -> None:
    assert {r.severity for r in load_rules()} <= set(SEVERITIES) == {"error", "warning", "info"}
    assert {e.kind for e in load_explanations()} == set(KINDS) == {"legitimate", "non_reporting", "pending"}
    assert set(BUCKETS) == {*KINDS, "lead"}
    # A pending explanation is decisive: a figure not due yet outranks every reason the figures differ.
    assert all(e.decisive for e in load_explanations() if e.kind == "pending")


@pytest.fixture(scope="module")
def small_warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """A few program-years that make every rule fire, then the real SQL up to findings_current."""
    con = new_warehouse()
    add_sam(con, "10.001", 2022, actual=5_000_000)                     # actual, no obligations
    add_usaspending(con, "10.002", 2022, 3_000_000)
    add_sam(con, "10.002", 2022, actual=None)                          # obligations, no actual
    add_sam(con, "10.003", 2022, actual=1_000_000)
    add_usaspending(con, "10.003", 2022, 2_000_000)                    # mismatch
    add_sam(con, "10.004", 2022, estimate=700_000)                     # estimate only
    add_usaspending(con, "99.999", 2022, 40_000)                       # unlisted number
    add_sam(con, "10.005", 2022, actual=800_000, type_code="F003")     # a loan
    add_usaspending(con, "10.005", 2022, 10_000, face_value=800_000, subsidy_cost=10_000)
    reconcile(con, "r1")
    evaluate_rules(con, load_rules(), Scope((2019, 2020, 2021, 2022, 2023), None))
    yield con
    con.close()


def _columns(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> list[tuple[str, str]]:
    cur = execute(con, sql, params)
    cur.fetchall()
    return [(d[0], str(d[1])) for d in cur.description]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_returns_the_fixed_columns(small_warehouse: duckdb.DuckDBPyConnection, rule_id: str) -> None:
    rule = next(r for r in load_rules() if r.id == rule_id)
    assert _columns(small_warehouse, rule.sql, dict(rule.params)) == RULE_COLUMNS


def test_the_small_warehouse_fires_every_rule_but_the_history_one(small_warehouse: duckdb.DuckDBPyConnection) -> None:
    fired = {r[0] for r in small_warehouse.execute("SELECT DISTINCT rule_id FROM findings_current").fetchall()}
    assert fired == set(RULE_IDS) - {"figure_restated"}  # a restatement needs two runs


@pytest.mark.parametrize("explanation_id", EXPLANATION_IDS)
def test_every_explanation_returns_the_fixed_columns_and_fills_its_reason(
        small_warehouse: duckdb.DuckDBPyConnection, explanation_id: str) -> None:
    exp = next(e for e in load_explanations() if e.id == explanation_id)
    small_warehouse.execute("CREATE OR REPLACE TEMP TABLE explanations_current AS "
                            "SELECT * FROM recon.finding_explanations LIMIT 0")
    columns = _columns(small_warehouse, exp.sql, {**exp.params, "run_date": RUN_DATE})
    names = [c for c, _ in columns]
    assert columns[:3] == EXPLANATION_COLUMNS[:3]
    assert dict(columns)["related_fiscal_year"] == "INTEGER"
    assert len(names) == len(set(names))
    if "closes_gap" in names:
        assert dict(columns)["closes_gap"] == "BOOLEAN"
    if "related_program_number" in names:
        assert dict(columns)["related_program_number"] == "VARCHAR"
    # Every placeholder of every reason is a column the SQL returns (or the variant picks it).
    for variant, template in exp.reasons.items():
        used = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        assert used <= set(names), (variant, sorted(used - set(names)))
        if variant != "default":
            assert "variant" in names


# --- accepted values over the demo's warehouse -------------------------------------------------------
def _values(con: duckdb.DuckDBPyConnection, table: str, column: str) -> set[object]:
    return {r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}


def test_demo_holds_only_accepted_values(demo: duckdb.DuckDBPyConnection) -> None:
    assert _values(demo, "recon.findings", "severity") == {"error", "warning", "info"}
    assert _values(demo, "recon.findings", "status") == {"new"}  # one run: everything is new
    assert _values(demo, "recon.findings", "triage") == set(BUCKETS)
    assert _values(demo, "recon.finding_explanations", "kind") == set(KINDS)
    assert _values(demo, "recon.finding_explanations", "explanation") <= set(EXPLANATION_IDS)
    assert _values(demo, "recon.findings", "explanation") - {None} <= set(EXPLANATION_IDS)
    assert _values(demo, "recon.findings", "rule_id") == set(RULE_IDS) - {"figure_restated"}
    # A rule's severity is the registry's.
    severities = dict(demo.execute("SELECT DISTINCT rule_id, severity FROM recon.findings").fetchall())
    assert severities == {r.id: r.severity for r in load_rules() if r.id in severities}
    # A finding says which SAM.gov figure its rule compared: the estimate only for estimate_only.
    figures = dict(demo.execute("SELECT DISTINCT rule_id, sam_figure FROM recon.findings").fetchall())
    assert figures == {r.id: ("estimate" if r.id == "estimate_only" else "actual") for r in load_rules()
                       if r.id in figures}
    assert _values(demo, "recon.findings", "sam_figure") == set(SAM_FIGURES) == {"actual", "estimate"}
    # A kind is its explanation's.
    kinds = set(demo.execute("SELECT DISTINCT explanation, kind FROM recon.finding_explanations").fetchall())
    assert kinds == {(e.id, e.kind) for e in load_explanations() if e.id in {k for k, _ in kinds}}


def test_demo_assistance_families_are_the_known_ones(demo: duckdb.DuckDBPyConnection) -> None:
    families = _values(demo, "staging.sam_obligations", "assistance_family")
    assert FAMILIES == {"grant", "direct_payment", "direct_loan", "loan_guarantee", "insurance",
                        "other_financial", "non_financial", "salaries_and_expenses"}
    assert families - {None} <= FAMILIES
    # The demo plants loans and non-award lines: those families are present, not just allowed.
    assert {"grant", "direct_loan", "non_financial"} <= families


def test_the_family_seed_names_every_family_once_and_sets_loans_and_non_award_lines_apart() -> None:
    # warehouse/seeds/assistance_families.csv is the one list the explanations' SQL reads
    con = new_warehouse()
    rows = con.execute("SELECT family, loan_like, non_award FROM staging.assistance_families").fetchall()
    assert len(rows) == len({f for f, _, _ in rows}) and {f for f, _, _ in rows} == FAMILIES
    assert {f for f, loan, _ in rows if loan} == {"direct_loan", "loan_guarantee", "insurance"}
    assert {f for f, _, non_award in rows if non_award} == {"non_financial", "salaries_and_expenses"}


def test_statuses_move_through_the_accepted_values() -> None:
    con = new_warehouse()
    add_sam(con, "10.001", 2022, actual=5_000_000)
    add_sam(con, "10.003", 2022, actual=1_000_000)
    add_usaspending(con, "10.003", 2022, 2_000_000)
    reconcile(con, "r1")
    con.execute("DELETE FROM staging.sam_obligations WHERE program_number = '10.001'")
    reconcile(con, "r2")
    statuses = dict(con.execute("SELECT program_number, status FROM recon.findings").fetchall())
    assert statuses == {"10.001": "resolved", "10.003": "open"}
    add_sam(con, "10.001", 2022, actual=5_000_000)
    reconcile(con, "r3")
    assert dict(con.execute("SELECT program_number, status FROM recon.findings").fetchall()) == \
        {"10.001": "reopened", "10.003": "open"}
    assert _values(con, "recon.finding_events", "event") == {"new", "resolved", "reopened"}
    assert {s for s in statuses.values()} | {"new", "reopened"} == set(STATUSES)


def test_the_severity_order_is_the_same_in_sql_and_python():
    """macros.sql's severity_rank spells registry.SEVERITIES' order for the SQL that sorts findings."""
    from warehouse.db import connect
    from warehouse.rules.registry import SEVERITIES, severity_rank

    con = connect(":memory:")
    try:
        for severity in (*SEVERITIES, "other"):
            assert con.execute("SELECT severity_rank($s)", {"s": severity}).fetchone()[0] == severity_rank(severity)
    finally:
        con.close()


def test_the_triage_order_is_the_same_in_sql_and_python():
    """macros.sql's triage_rank spells registry.BUCKETS' order (most decisive first) for the SQL that puts
    a program-year in the bucket of its most decisive finding."""
    from warehouse.db import connect
    from warehouse.explanations.registry import BUCKETS as ORDER

    con = connect(":memory:")
    try:
        ranks = [con.execute("SELECT triage_rank($b)", {"b": b}).fetchone()[0] for b in (*ORDER, "restatement")]
    finally:
        con.close()
    assert ranks == list(range(len(ORDER) + 1))
    assert ORDER == ("pending", "legitimate", "non_reporting", "lead")
