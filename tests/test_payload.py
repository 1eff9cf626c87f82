"""The JSON readers every connector shares: keys of any case, counts and flags read strictly."""
from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.errors import MalformedPayload
from connectors.payload import field_of, has_field, read_count, read_flag, read_text


def _malformed(message: str) -> MalformedPayload:
    return MalformedPayload(f"Source: {message}", source="test")


def test_fields_are_found_whatever_the_case_of_their_key() -> None:
    payload = {"TotalRecords": 3, "title": "x"}
    assert field_of(payload, "totalRecords") == 3 and field_of(payload, "TITLE") == "x"
    assert field_of(payload, "missing") is None and field_of(None, "title") is None
    assert has_field(payload, "TOTALRECORDS") and not has_field(payload, "missing")


@pytest.mark.parametrize("value, expected", [(None, None), (0, 0), (12, 12), (" 7 ", 7), (Decimal("4"), 4),
                                             (Decimal("4.00"), 4)])
def test_a_count_is_a_whole_non_negative_number(value: object, expected: int | None) -> None:
    assert read_count(value, "page.total", _malformed) == expected


@pytest.mark.parametrize("value", [-1, True, "3.5", "many", Decimal("2.5"), Decimal("-1"), Decimal("NaN"), 1.0])
def test_anything_else_is_not_a_count_and_says_where(value: object) -> None:
    with pytest.raises(MalformedPayload, match=r"^Source: page\.total .* is not a count$"):
        read_count(value, "page.total", _malformed)


@pytest.mark.parametrize("value, expected", [(None, None), (True, True), (False, False), (" TRUE ", True),
                                             ("false", False)])
def test_a_flag_is_true_or_false(value: object, expected: bool | None) -> None:
    assert read_flag(value, "isActive", _malformed) is expected


@pytest.mark.parametrize("value", ["yes", 1, 0, "", Decimal("1")])
def test_anything_else_is_not_a_flag(value: object) -> None:
    with pytest.raises(MalformedPayload, match=r"^Source: isActive: .* is not true/false$"):
        read_flag(value, "isActive", _malformed)


@pytest.mark.parametrize("value, expected", [(None, None), ("  a b ", "a b"), ("   ", None), (12, "12"),
                                             (Decimal("1.50"), "1.50"), ({"a": 1}, None), (["a"], None)])
def test_text_is_stripped_and_objects_are_not_text(value: object, expected: str | None) -> None:
    assert read_text(value) == expected
