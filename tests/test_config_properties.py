"""spendrecon.yaml tried by the thousand (hypothesis): any YAML mapping gives settings or a
ConfigError whose lines each name a key of the file, never a TypeError or other crash.

The generated files are shaped like real ones (known sections, keys, rule and explanation ids) with
values of any YAML type, plus keys nobody knows, so that most examples reach deep validation
instead of stopping at the first unknown key.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from spendrecon.config import (
    ConfigError,
    HttpSettings,
    RuleOverride,
    SamSettings,
    ScheduleSettings,
    Settings,
    UsaspendingSettings,
    load_settings,
)
from warehouse.explanations.registry import load_explanations
from warehouse.rules.registry import MESSAGE_FIELDS, load_rules

EXAMPLES = 300  # generated files per run; about 5 s on a loaded 2-core machine

RULE_IDS = [r.id for r in load_rules()]
EXPLANATIONS = {e.id: list(e.params) for e in load_explanations()}
SECTIONS = {"sam": SamSettings, "usaspending": UsaspendingSettings, "http": HttpSettings,
            "schedule": ScheduleSettings}
TOP_KEYS = [k for k in Settings.model_fields if k != "base_dir"]

# Values real files hold (and the mistakes people make), then anything YAML can say.
_typical = st.sampled_from([
    "2019-2023", "2023-2019", "2021,2023", "97.102", "10.100", "api", "public", "archive", "All", "active",
    "0 6 20 * *", "monthly", "UTC", "1GB", "2 GiB", "http://127.0.0.1:9", "", " ", "~", "data/x.duckdb",
    "error", "warning", "info", "{difference}", "{difference:.2f}", "{fiscal_year:d} {sam_amount:>9}",
    "{gap}", "{0}", "{}", "{sam_amount!z}", "{{literal}}", "{abs_tolerance:,d}", "{rel_tolerance_pct}",
])
_scalar = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.integers(0, 12)
           | st.sampled_from([1990, 2008, 2019, 2023, 2100, 0.05, 0.5, 1000, "1000.005", -1])
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12) | _typical | st.dates())
_value = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=3), max_leaves=6)
_odd_key = (st.text(max_size=8) | st.integers(-5, 5) | st.booleans() | st.none()
            | st.sampled_from(["", " sam", "a.b", "x\ny", "\u2028", "rules.x"]))


def _fields(keys: list[str]) -> st.SearchStrategy[dict[Any, Any]]:
    return st.dictionaries(st.sampled_from(keys) | _odd_key, _value | _typical, max_size=4)


_message_template = st.lists(st.sampled_from(MESSAGE_FIELDS + ("abs_tolerance", "min_amount", "nope", "0", "")),
                             max_size=3).flatmap(
    lambda names: st.tuples(*[st.sampled_from(["", ":>10", ":.2f", ":d", "!r", "!z", ":,"]) for _ in names]).map(
        lambda specs: " ".join("{" + n + s + "}" for n, s in zip(names, specs))))
_rule_override = st.none() | st.dictionaries(
    st.sampled_from(list(RuleOverride.model_fields)) | _odd_key,
    _value | _typical | _message_template, max_size=3)
_explanation_override = st.none() | st.dictionaries(
    st.sampled_from(sorted({p for ps in EXPLANATIONS.values() for p in ps})) | _odd_key, _value, max_size=2)

_section_value = {name: st.none() | _fields(list(model.model_fields)) | _value for name, model in SECTIONS.items()}
_top_value = {
    **_section_value,
    "rules": st.none() | st.dictionaries(st.sampled_from(RULE_IDS) | _odd_key, _rule_override, max_size=3) | _value,
    "explanations": st.none() | st.dictionaries(st.sampled_from(list(EXPLANATIONS)) | _odd_key,
                                                _explanation_override, max_size=2) | _value,
}
config_mapping = st.dictionaries(st.sampled_from(TOP_KEYS) | _odd_key, _value, max_size=2).flatmap(
    lambda base: st.fixed_dictionaries({}, optional={k: s for k, s in _top_value.items()}).map(
        lambda known: {**base, **known}))
environments = st.fixed_dictionaries({}, optional={
    "SPENDRECON_SAM_BASE_URL": st.just("http://127.0.0.1:9999"),
    "SPENDRECON_SAM_PUBLIC_BASE_URL": st.just("http://127.0.0.1:9997"),
    "SPENDRECON_USASPENDING_BASE_URL": st.just("http://127.0.0.1:9998"),
    "SPENDRECON_WAREHOUSE": st.just("w.duckdb"),
})


def _names_a_key(line: str, data: dict[Any, Any]) -> bool:
    """`<file>: <key path>: reason`, or `<file>: reason` whose reason names a key (cross-key checks)."""
    keys = {str(k) for k in data}
    where = line.split(": ", 1)[0]
    if any(where == shown or where.startswith(shown + ".") for k in data for shown in (str(k), repr(k))):
        return True
    return any(k in line for k in keys if len(k) > 2) and any(
        marker in line for marker in ("rules.", "explanations.", "fiscal_years", "fiscal year", "program number"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=config_mapping, env=environments)
@example(data={"\x85": None}, env={})  # found by Hypothesis: the key folds to a space in YAML
def test_any_yaml_mapping_gives_settings_or_a_config_error_naming_a_key(data: dict[Any, Any],
                                                                        env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spendrecon.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            loaded = load_settings(path, environ=env)
        except ConfigError as exc:
            event("refused with a ConfigError")
            message = str(exc)
            assert message, "an empty ConfigError"
            # The keys as YAML reads the file back, not as generated: a NEL (U+0085) inside a key is a
            # line break to YAML and folds into a space, so the file's key is what the error must name.
            keys_in_file = yaml.safe_load(path.read_text(encoding="utf-8"))
            for line in message.splitlines():
                assert line.startswith(f"{path}: "), message
                assert _names_a_key(line[len(f"{path}: "):], keys_in_file), message
            return
    event("accepted")
    assert isinstance(loaded, Settings)
    # What was accepted is usable: the rules and explanations it configures load and render.
    load_rules({k: v.model_dump(exclude_none=True) for k, v in loaded.rules.items()})
    load_explanations(loaded.explanations)
    if env.get("SPENDRECON_SAM_BASE_URL"):
        assert loaded.sam.base_url == env["SPENDRECON_SAM_BASE_URL"]
