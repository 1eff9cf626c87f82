"""The warehouse writes money in messages and reasons (macro money_text) exactly as Python's
format_money does, and shares (percent_text) as the explanations always did."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from warehouse.db import connect
from warehouse.money import NOT_REPORTED, format_money

_CON = connect(":memory:")

_AMOUNTS = st.decimals(min_value=Decimal("-9999999999999999.99"), max_value=Decimal("9999999999999999.99"),
                       places=2, allow_nan=False, allow_infinity=False)


def _sql(expression: str, value: object, sql_type: str) -> str:
    row = _CON.execute(f"SELECT {expression}($v::{sql_type})", {"v": value}).fetchone()
    assert row is not None
    return str(row[0])


@given(_AMOUNTS)
def test_money_text_is_format_money(amount: Decimal) -> None:
    assert _sql("money_text", amount, "DECIMAL(18,2)") == format_money(amount)


def test_money_text_edges() -> None:
    for text in ("0", "-0.01", "0.5", "999.995", "-1234567.891", "15000000"):
        amount = Decimal(text)
        assert _sql("money_text", amount, "DECIMAL(38,3)") == format_money(amount), text
    assert _sql("money_text", None, "DECIMAL(18,2)") == NOT_REPORTED == format_money(None)


def test_money_text_of_sums_beyond_bigint_cents() -> None:
    # Digits are grouped on BIGINT cents where they fit and on HUGEINT past that: both sides of the edge.
    for text in ("92233720368547758.07", "92233720368547758.08", "-89999999999999999.99", "90000000000000000.00",
                 "999999999999999999999999.99"):
        amount = Decimal(text)
        assert _sql("money_text", amount, "DECIMAL(38,2)") == format_money(amount), text


@given(st.decimals(min_value=Decimal("-1e24"), max_value=Decimal("1e24"), places=2, allow_nan=False,
                   allow_infinity=False))
def test_money_text_is_format_money_for_wide_sums(amount: Decimal) -> None:
    assert _sql("money_text", amount, "DECIMAL(38,2)") == format_money(amount)


@given(st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False))
def test_percent_text_rounds_halves_to_even(share: Decimal) -> None:
    assert _sql("percent_text", share, "DECIMAL(9,4)") == f"{round(share * 100):d}%"


def test_percent_text_of_nothing() -> None:
    assert _sql("percent_text", None, "DECIMAL(9,4)") == NOT_REPORTED
