"""A run records the rule and explanation settings it used (meta.runs.settings), overrides applied."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from spendrecon.config import load_settings
from spendrecon.pipeline import plan_run


def test_a_run_records_the_settings_it_used_after_overrides(tmp_path: Path, run_flow) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "spendrecon.yaml"
    config.write_text("rules:\n  amount_mismatch: {abs_tolerance: 2500, severity: error}\n"
                      "  estimate_only: {enabled: false}\n"
                      "explanations:\n  loan_basis: {min_loan_share: 0.6}\n", encoding="utf-8")
    settings = load_settings(config, overrides={"fiscal_years": [2022], "programs": ["97.102", "10.001"],
                                                "warehouse": str(tmp_path / "w.duckdb"),
                                                "data_dir": str(tmp_path / "data"),
                                                "reports_dir": str(tmp_path / "reports")}, environ={})
    run = run_flow(plan_run(settings, demo=True))
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    (recorded,) = con.execute("SELECT settings FROM meta.runs WHERE run_id = $r", {"r": run.run_id}).fetchone()
    con.close()
    used = json.loads(recorded)
    assert used["rules"]["amount_mismatch"] == {"enabled": True, "severity": "error",
                                                "params": {"abs_tolerance": "2500", "rel_tolerance": "0.05"}}
    assert used["rules"]["estimate_only"]["enabled"] is False
    assert used["rules"]["actual_not_in_usaspending"]["params"] == {"min_amount": "1000"}  # the default, as text
    assert used["explanations"]["loan_basis"]["params"]["min_loan_share"] == "0.6"
    assert list(used["rules"]) == ["actual_not_in_usaspending", "obligations_not_in_sam", "amount_mismatch",
                                   "estimate_only", "figure_restated"]
