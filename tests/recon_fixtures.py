"""Tiny warehouses for rule and findings tests: a few staging rows, then the real SQL."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from spendrecon.fiscal import fiscal_year_of
from warehouse.assistance_types import family_of

from warehouse.db import connect, ensure_schema, execute, run_file
from warehouse.explanations.registry import load_explanations
from warehouse.findings import merge_findings
from warehouse.rules.registry import Rule, load_rules
from warehouse.scope import Scope

RUN_DATE = date(2026, 11, 15)
CURRENT_FY = fiscal_year_of(RUN_DATE)  # 2027: as if run in November 2026


def new_warehouse(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = connect(path)
    ensure_schema(con)
    return con


def money(v: str | int | None) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def add_sam(con: duckdb.DuckDBPyConnection, program: str, fiscal_year: int, *, actual: str | int | None = None,
            estimate: str | int | None = None, type_code: str = "F001", status: str = "Active",
            title: str | None = None, department: str = "Department of Testing",
            agency: str | None = None) -> None:
    exists = con.execute("SELECT count(*) FROM staging.sam_listings WHERE program_number = $p",
                         {"p": program}).fetchone()
    if not exists or exists[0] == 0:
        execute(con, "INSERT INTO staging.sam_listings (run_id, program_number, program_id, title, department, "
                     "agency, status, assistance_types) VALUES ('r0', $p, $id, $t, $d, $a, $s, [$c])",
                {"p": program, "id": f"id-{program}", "t": title or f"Program {program}", "d": department,
                 "a": agency or department, "s": status, "c": type_code})
    execute(con, "INSERT INTO staging.sam_obligations (run_id, program_number, program_id, fiscal_year, "
                 "assistance_type_code, assistance_family, sam_actual, sam_estimate) VALUES ('r0', $p, $id, $fy, $c, $f, $a, $e)",
            {"p": program, "id": f"id-{program}", "fy": fiscal_year, "c": type_code, "f": family_of(type_code),
             "a": money(actual), "e": money(estimate)})


def add_usaspending(con: duckdb.DuckDBPyConnection, program: str, fiscal_year: int,
                    obligations: str | int | None, *, face_value: str | int | None = None,
                    subsidy_cost: str | int | None = None) -> None:
    execute(con, "INSERT INTO staging.usaspending_program_year (run_id, program_number, fiscal_year, "
                 "program_title, usaspending_obligations, source, loan_face_value, loan_subsidy_cost) "
                 "VALUES ('r0', $p, $fy, $t, $o, $src, $fv, $sc)",
            {"p": program, "fy": fiscal_year, "t": f"USAspending title {program}", "o": money(obligations),
             "src": "archive" if face_value is not None else "api", "fv": money(face_value),
             "sc": money(subsidy_cost)})


def build_program_year(con: duckdb.DuckDBPyConnection, current_fiscal_year: int = CURRENT_FY) -> None:
    run_file(con, "recon_program_year", {"current_fiscal_year": current_fiscal_year})


def rule(rule_id: str, **overrides: object) -> Rule:
    return next(r for r in load_rules({rule_id: overrides} if overrides else None) if r.id == rule_id)


def hits(con: duckdb.DuckDBPyConnection, rule_id: str, **overrides: object) -> dict[tuple[str, int], dict]:
    """Run one rule's SQL against recon.program_year; key the rows by (program, fiscal year)."""
    r = rule(rule_id, **overrides)
    cur = execute(con, r.sql, dict(r.params))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row)) for row in cur.fetchall()]
    assert names == ["program_number", "fiscal_year", "sam_amount", "usaspending_amount", "difference"]
    return {(row["program_number"], row["fiscal_year"]): row for row in rows}


def reconcile(con: duckdb.DuckDBPyConnection, run_id: str, years: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023),
              programs: tuple[str, ...] | None = None,
              explanation_overrides: dict[str, dict[str, object]] | None = None,
              run_date: date = RUN_DATE):  # type: ignore[no-untyped-def]
    """Rebuild recon.program_year and merge the findings as a run dated ``run_date`` would."""
    build_program_year(con, fiscal_year_of(run_date))
    return merge_findings(con, run_id, load_rules(), Scope(years, programs), load_explanations(explanation_overrides),
                          run_date=run_date)


def triage(con: duckdb.DuckDBPyConnection, program: str, fiscal_year: int, rule_id: str) -> str | None:
    row = con.execute("SELECT triage FROM recon.findings WHERE program_number = $p AND fiscal_year = $fy "
                      "AND rule_id = $r", {"p": program, "fy": fiscal_year, "r": rule_id}).fetchone()
    assert row is not None, f"no {rule_id} finding for {program} FY{fiscal_year}"
    return row[0]


def explanations_of(con: duckdb.DuckDBPyConnection, program: str, fiscal_year: int) -> dict[tuple[str, str], dict]:
    """Every explanation of a program-year's findings, keyed by (rule_id, explanation)."""
    cur = con.execute("SELECT * FROM recon.finding_explanations WHERE program_number = $p AND fiscal_year = $fy",
                      {"p": program, "fy": fiscal_year})
    names = [d[0] for d in cur.description]
    return {(r["rule_id"], r["explanation"]): r for r in (dict(zip(names, row)) for row in cur.fetchall())}


def primary(con: duckdb.DuckDBPyConnection, program: str, fiscal_year: int, rule_id: str) -> tuple[str | None, str | None]:
    row = con.execute("SELECT explanation, explanation_reason FROM recon.findings WHERE program_number = $p "
                      "AND fiscal_year = $fy AND rule_id = $r", {"p": program, "fy": fiscal_year, "r": rule_id}).fetchone()
    assert row is not None, f"no {rule_id} finding for {program} FY{fiscal_year}"
    return row[0], row[1]
