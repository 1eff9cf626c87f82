"""spendrecon.yaml: defaults, environment overrides, and errors that name the key."""
from datetime import date
from decimal import Decimal

import pytest

from spendrecon.config import ConfigError, load_settings


def _write(tmp_path, text):
    p = tmp_path / "spendrecon.yaml"
    p.write_text(text)
    return p


def test_defaults_are_the_five_most_recent_completed_fiscal_years(tmp_path):
    s = load_settings(_write(tmp_path, ""), environ={})
    assert s.resolved_fiscal_years(date(2026, 11, 27)) == [2022, 2023, 2024, 2025, 2026]
    assert s.resolved_fiscal_years(date(2026, 9, 30)) == [2021, 2022, 2023, 2024, 2025]
    assert s.sam.status == "All" and s.sam.page_size == 100
    assert s.warehouse_path == tmp_path / "data" / "spendrecon.duckdb"


def test_a_full_config_is_read(tmp_path):
    s = load_settings(_write(tmp_path, """
fiscal_years: 2019-2021
programs: ["97.102", "10.100"]
sam: {status: Active, daily_request_budget: 10}
usaspending: {concurrency: 2}
rules:
  amount_mismatch: {rel_tolerance: 0.1, severity: error}
schedule: {cron: "0 3 * * 1"}
"""), environ={})
    assert s.fiscal_years == [2019, 2020, 2021]
    assert s.programs == ["97.102", "10.100"]
    assert s.rules["amount_mismatch"].rel_tolerance == Decimal("0.1")


@pytest.mark.parametrize("text, expected", [
    ("sam:\n  page_sise: 10\n", "sam.page_sise: unknown key"),
    ("sam:\n  page_size: 500\n", "sam.page_size: Input should be less than or equal to 100 (got 500)"),
    ("fiscal_years: 2023-2019\n", "runs backwards"),
    ("fiscal_years: [2005]\n", "use usaspending.mode: archive"),
    ("programs: [10.10]\n", "must be quoted"),
    ("rules:\n  amount_mismatch: {rel_tolerance: 2}\n", "rules.amount_mismatch.rel_tolerance"),
    ("schedule: {cron: 'monthly'}\n", "schedule.cron"),
    ("rules:\n  amount_mismach: {enabled: false}\n", "rules.amount_mismach: no such rule"),
    ("rules:\n  estimate_only: {min_amount: 5}\n", "rules.estimate_only.min_amount: this rule has no such setting"),
    ("sam: [1, 2]\n", "sam: Input should be a valid dictionary"),
    ("warehouse: [\n", "not valid YAML at line"),
    ("- just a list\n", "the top level must be a mapping"),
])
def test_a_wrong_key_or_value_names_the_key_and_the_reason(tmp_path, text, expected):
    with pytest.raises(ConfigError) as exc:
        load_settings(_write(tmp_path, text), environ={})
    assert expected in str(exc.value)
    assert "spendrecon.yaml" in str(exc.value)


def test_environment_overrides_base_urls_and_warehouse(tmp_path):
    s = load_settings(_write(tmp_path, ""), environ={
        "SPENDRECON_SAM_BASE_URL": "http://127.0.0.1:9999",
        "SPENDRECON_USASPENDING_BASE_URL": "http://127.0.0.1:9998",
        "SPENDRECON_WAREHOUSE": "/tmp/x.duckdb",
        "SAM_API_KEY": "secret-not-in-settings",
    })
    assert s.sam.base_url == "http://127.0.0.1:9999"
    assert s.usaspending.base_url == "http://127.0.0.1:9998"
    assert str(s.warehouse_path) == "/tmp/x.duckdb"
    assert "secret-not-in-settings" not in s.model_dump_json()


def test_a_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_an_unknown_rule_is_refused_when_rules_load(tmp_path):
    from warehouse.rules.registry import RuleConfigError, load_rules

    with pytest.raises(RuleConfigError, match="rules.no_such_rule: no such rule"):
        load_rules({"no_such_rule": {"enabled": False}})
    with pytest.raises(RuleConfigError, match="rules.estimate_only.min_amount: this rule has no such setting"):
        load_rules({"estimate_only": {"min_amount": 5}})


def test_the_example_config_in_the_repository_is_valid():
    from pathlib import Path

    s = load_settings(Path(__file__).parent.parent / "spendrecon.example.yaml", environ={})
    assert s.sam.status == "All" and s.explanations["loan_basis"]["min_loan_share"] == Decimal("0.5")


@pytest.mark.parametrize("text, expected", [
    ("fiscal_years: [2019, true]\n", "not true/false"),
    ("fiscal_years: [2099]\n", "fiscal year 2099 has not started yet"),
    ("warehouse: ''\n", "warehouse: String should have at least 1 character"),
    ("explanations:\n  fiscal_year_shift: {rel_tolerance: -3}\n", "explanations.fiscal_year_shift.rel_tolerance: must be between 0 and 1"),
    ("rules:\n  amount_mismatch: {message: 'gap {gap}'}\n", "rules.amount_mismatch.message: unknown placeholder(s) {gap}"),
    # Templates are rendered at load with the types the run passes (amounts as text, the year as a
    # number): these used to pass validation and fail at publish, after the SAM.gov quota was spent.
    ("rules:\n  amount_mismatch: {message: 'off by {difference:.2f}'}\n",
     "rules.amount_mismatch.message: cannot be filled in (ValueError: Unknown format code 'f' for object of type 'str')"),
    ("rules:\n  estimate_only: {message: 'FY{fiscal_year:s} only an estimate'}\n",
     "rules.estimate_only.message: cannot be filled in (ValueError: Unknown format code 's' for object of type 'int')"),
    ("rules:\n  estimate_only: {message: '{sam_amount!z}'}\n", "rules.estimate_only.message: cannot be filled in"),
    ("rules:\n  amount_mismatch: {message: '{abs_tolerance:,d}'}\n", "rules.amount_mismatch.message: cannot be filled in"),
    ("sam: 5\n", "sam: Input should be a valid dictionary"),
])
def test_more_wrong_values_are_refused_at_start(tmp_path, text, expected):
    with pytest.raises(ConfigError) as exc:
        load_settings(_write(tmp_path, text), environ={})
    assert expected in str(exc.value)
    assert len(str(exc.value)) < 400  # names the key and the reason, not the whole file


def test_program_numbers_are_trimmed_but_never_reformatted(tmp_path):
    s = load_settings(_write(tmp_path, 'programs: [" 10.100 ", "93.U01"]\n'), environ={})
    assert s.programs == ["10.100", "93.U01"]


def test_a_message_template_that_renders_is_accepted_and_used(tmp_path):
    from warehouse.rules.registry import load_rules, render_message

    s = load_settings(_write(tmp_path, "rules:\n  amount_mismatch: {message: 'FY{fiscal_year:d}: {difference:>12}'}\n"),
                      environ={})
    [rule] = [r for r in load_rules({k: v.model_dump(exclude_none=True) for k, v in s.rules.items()})
              if r.id == "amount_mismatch"]
    row = {"program_number": "97.102", "fiscal_year": 2022, "sam_amount": None, "usaspending_amount": None,
           "difference": Decimal("-5.00")}
    assert render_message(rule, row) == "FY2022:       -$5.00"


@pytest.mark.parametrize("section", ["sam", "usaspending", "http", "schedule", "rules", "explanations"])
def test_a_section_left_empty_means_its_defaults(tmp_path, section):
    # `sam:` with nothing under it used to be a TypeError once SPENDRECON_SAM_BASE_URL was set.
    env = {"SPENDRECON_SAM_BASE_URL": "http://127.0.0.1:9999", "SPENDRECON_SAM_PUBLIC_BASE_URL": "http://127.0.0.1:9997",
           "SPENDRECON_USASPENDING_BASE_URL": "http://127.0.0.1:9998"}
    s = load_settings(_write(tmp_path, f"{section}:\n"), environ=env)
    defaults = load_settings(_write(tmp_path, ""), environ=env)
    assert s.model_dump() == defaults.model_dump()
    assert s.sam.base_url == "http://127.0.0.1:9999" and s.usaspending.base_url == "http://127.0.0.1:9998"


def test_an_empty_rule_override_overrides_nothing_and_a_non_mapping_section_is_named(tmp_path):
    s = load_settings(_write(tmp_path, "rules:\n  amount_mismatch:\nexplanations:\n  loan_basis:\n"), environ={})
    assert s.rules["amount_mismatch"].model_dump(exclude_none=True) == {}
    with pytest.raises(ConfigError, match=r"spendrecon.yaml: sam: must be a mapping of keys .*not str \(got 'x'\)"):
        load_settings(_write(tmp_path, "sam: x\n"), environ={"SPENDRECON_SAM_BASE_URL": "http://127.0.0.1:9999"})
