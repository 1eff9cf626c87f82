"""Bad input, tried by the thousand: the amount parser, the SAM.gov listing parser (official API
shape and public document shape) and the USAspending page parser, fed generated payloads.

Whatever comes in, each gives a value, a warning naming what it skipped, or a MalformedPayload
(a clear error) -- never another exception, and never a figure that is not exactly one the
payload holds. Example counts are fixed (``max_examples``) so the run time stays modest; no
example database is written.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from connectors.amounts import MAX_AMOUNT, to_cents
from connectors.errors import MalformedPayload
from connectors.http import RetryPolicy, SourceClient
from connectors.sam_gov import parse_search_page
from connectors.sam_public import DETAIL_PATH, DICTIONARY_PATH, PUBLIC_HEADERS, SEARCH_PATH, fetch_sam_public
from connectors.usaspending import parse_cfda_page
from spendrecon.demo.wire import dumps_exact
from spendrecon.demo.public_api import dictionary_payload

FAST = settings(max_examples=2000, deadline=None, database=None)
PAYLOADS = settings(max_examples=600, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
OVER_HTTP = settings(max_examples=200, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- what sources send --------------------------------------------------------------------------

def often(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly what a source usually sends, sometimes anything else: deep enough to reach the figures."""
    return st.one_of(usual, usual, usual, odd)


MONEY_CHARS = "0123456789,.$-+() eE\t\u00a0\u0661"
cents = st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False, allow_infinity=False)
money_text = st.one_of(
    st.text(alphabet=MONEY_CHARS, max_size=16),
    st.from_regex(r"\A[-+(]?\$?[0-9]{1,4}(,[0-9]{1,4}){0,3}(\.[0-9]{0,4})?\)?\Z"),  # near misses of the grammar
    st.text(max_size=12),
)
well_formed_amounts = st.one_of(cents, cents.map(lambda d: f"{'-' if d < 0 else ''}${abs(d):,}"), cents.map(str), st.none(),
                                st.integers(min_value=-10**9, max_value=10**9))
odd_amounts = st.one_of(
    st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.decimals(allow_nan=True, allow_infinity=True), st.floats(), money_text,
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
any_amounts = st.one_of(well_formed_amounts, odd_amounts)
# In a payload of many amounts one odd one fails the page: rarer there, so that pages also get read.
raw_amounts = st.one_of(*[well_formed_amounts] * 7, odd_amounts)
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=4,
)
years = often(st.integers(min_value=2000, max_value=2030),
              st.one_of(st.integers(), st.sampled_from(["2024", "FY2023", " 2022 ", "soon"]), st.none(),
                        st.decimals(allow_nan=False, places=1), junk))
cells = often(st.fixed_dictionaries({"year": years, "actual": raw_amounts, "estimate": raw_amounts}),
              st.fixed_dictionaries({}, optional={"year": years, "actual": raw_amounts, "estimate": raw_amounts,
                                                  "fiscalYear": years}))
values = often(
    st.lists(cells, min_size=1, max_size=4),
    st.one_of(st.none(), st.lists(st.one_of(cells, st.none(), junk), max_size=4),
              st.dictionaries(st.one_of(st.sampled_from(["2023", "2024", "FY2025"]), st.text(max_size=4)),
                              st.one_of(cells, st.none(), junk), max_size=3),
              junk),
)
alns = often(st.sampled_from(["10.001", "97.102", " 10.10 ", "10.100"]),
             st.one_of(st.sampled_from(["", "  "]), st.none(), st.integers(), st.decimals(allow_nan=False, places=2),
                       st.text(max_size=8)))


def exact_value(raw: Any) -> Decimal | None:
    """The figure ``raw`` spells, read digit by digit and never rounded: the oracle a parsed amount
    must equal. None where the text is no plain number at all."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, Decimal)):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    digits = re.sub(r"[\s$,()+-]", "", text)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return -value if negative else value


def amounts_in(payload: Any) -> Iterator[Any]:
    """Every value under an amount-like key, anywhere in a payload."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if isinstance(key, str) and key.lower() in ("actual", "estimate", "amount"):
                yield value
            yield from amounts_in(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from amounts_in(item)


def assert_figures_come_from(figures: list[Decimal | None], payload: Any) -> None:
    """Each figure a parser returned is exactly one of the amounts in its input, to the cent."""
    spelled = {v for v in (exact_value(a) for a in amounts_in(payload)) if v is not None and v.is_finite()}
    for figure in figures:
        if figure is not None:
            assert figure in spelled, f"{figure} is not a figure the payload holds ({sorted(spelled)})"
            assert figure.as_tuple().exponent == -2


# --- the amount parser --------------------------------------------------------------------------


@FAST
@given(any_amounts)
def test_any_amount_reads_exactly_or_is_refused_naming_the_value(raw: Any) -> None:
    try:
        value = to_cents(raw)
    except ValueError as exc:
        event("refused")
        assert repr(raw) in str(exc)
        return
    event("no figure" if value is None else "read")
    if value is None:
        assert raw is None or (isinstance(raw, str) and not raw.strip())
        return
    assert value.as_tuple().exponent == -2 and abs(value) < MAX_AMOUNT
    assert value == exact_value(raw)  # never rounded, never re-read another way


@FAST
@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1),
       st.sampled_from(["plain", "grouped", "dollar", "signed", "accounting", "padded", "one_decimal"]))
def test_every_well_formed_amount_reads_as_written(cents: int, style: str) -> None:
    amount = Decimal(cents).scaleb(-2)
    magnitude = abs(amount)
    text = {
        "plain": f"{amount}",
        "grouped": f"{'-' if amount < 0 else ''}{magnitude:,.2f}",
        "dollar": f"{'-' if amount < 0 else ''}${magnitude:,.2f}",
        "signed": f"{'-' if amount < 0 else '+'}{magnitude}",
        "accounting": f"(${magnitude:,.2f})" if amount < 0 else f"${magnitude:,.2f}",
        "padded": f"  {amount}\t",
        "one_decimal": f"{amount:.1f}" if cents % 10 == 0 else f"{amount:.2f}",
    }[style]
    if magnitude >= MAX_AMOUNT:
        try:
            to_cents(text)
        except ValueError as exc:
            assert "beyond the largest amount" in str(exc)
            return
        raise AssertionError(f"{text!r} is past what the warehouse stores and was accepted")
    assert to_cents(text) == amount


@FAST
@given(st.text(alphabet="0123456789", min_size=2, max_size=12), st.data())
def test_a_comma_out_of_place_is_refused_not_dropped(digits: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(min_value=1, max_value=len(digits) - 1))
    text = f"{digits[:at]},{digits[at:]}"
    groups = text.split(",")
    well_placed = len(groups[1]) == 3 and 1 <= len(groups[0]) <= 3 and groups[0][0] != "0"
    try:
        value = to_cents(text)
    except ValueError as exc:
        assert not well_placed and "is not an amount" in str(exc)
        return
    assert well_placed and value == Decimal(digits)


# --- SAM.gov listings, official API shape -------------------------------------------------------


obligations = st.fixed_dictionaries({"values": values}, optional={
    "assistanceType": often(st.fixed_dictionaries({"code": st.sampled_from(["F001", "F003", "B"]), "name": st.text()}),
                            st.one_of(st.sampled_from(["0003003", "0009001"]), junk)),
    "isRecoveryAct": often(st.booleans(), st.one_of(st.none(), st.sampled_from(["true", "False", "maybe"]), junk)),
})
financial_information = often(
    st.fixed_dictionaries({"obligations": often(st.lists(obligations, min_size=1, max_size=3),
                                                st.one_of(st.lists(st.one_of(obligations, junk)), obligations, junk))}),
    junk)
listings = st.fixed_dictionaries({"assistanceListingId": alns, "financialInformation": financial_information},
                                 optional={
    "programId": st.one_of(st.text(max_size=8), st.none()),
    "title": junk,
    "federalOrganization": often(st.fixed_dictionaries({"department": st.text(), "agency": st.text()}), junk),
})
search_pages = often(
    st.fixed_dictionaries({"assistanceListingsData": often(st.lists(listings, min_size=1, max_size=3),
                                                           st.lists(st.one_of(listings, junk), max_size=3))},
                          optional={"totalPages": often(st.integers(min_value=0, max_value=5), junk),
                                    "totalRecords": often(st.integers(min_value=0, max_value=5), junk)}),
    junk,
)


@PAYLOADS
@given(search_pages)
def test_any_search_page_gives_listings_a_warning_or_a_clear_error(payload: Any) -> None:
    warnings: list[str] = []
    try:
        found, _, _ = parse_search_page(payload, url="https://api.sam.gov/x", warnings=warnings)
    except MalformedPayload as exc:
        event("clear error")
        assert str(exc).startswith("SAM.gov: ") and "\n" not in str(exc)
        return
    event(f"read, {'with' if any(x.sam_actual is not None or x.sam_estimate is not None for v in found for x in v.lines) else 'without'} figures")
    for listing in found:
        assert isinstance(listing.program_number, str) and listing.program_number == listing.program_number.strip()
        assert_figures_come_from([x for line in listing.lines for x in (line.sam_actual, line.sam_estimate)], payload)
    items = payload.get("assistanceListingsData") or []
    assert len(found) + len(warnings) == len(items)  # every listing read, or skipped with a warning


# --- SAM.gov listings, public document shape (over a mock transport, the real client) ------------


ids = often(st.from_regex(r"\A[0-9a-f]{32}\Z"),
            st.one_of(st.sampled_from(["id-1", "../../../sgs/v1/search/?index=x"]), st.text(max_size=10)))
documents = often(
    st.fixed_dictionaries({"data": often(
        st.fixed_dictionaries({"financial": financial_information}, optional={"programNumber": alns, "title": junk}),
        junk)}, optional={"id": junk}),
    junk,
)


@OVER_HTTP
@given(ids, documents)
def test_any_public_document_gives_a_listing_a_warning_or_a_clear_error(program_id: str, document: Any) -> None:
    entry = {"_id": program_id, "programNumber": "10.001", "title": "Program", "modifiedDate": "2025-01-01",
             "isActive": True}
    try:
        document_text = dumps_exact(document)
    except (ValueError, TypeError):
        assume(False)  # NaN and Infinity are not JSON: no server can send them (and the client refuses them)
    requested: list[str] = []

    def sam(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        requested.append(path)
        if request.url.path == SEARCH_PATH:
            active = request.url.params["is_active"] == "true"
            results = [entry] if active and request.url.params["page"] == "0" else []
            body: dict[str, Any] = {"page": {"totalElements": len([entry] if active else [])}}
            if results:
                body["_embedded"] = {"results": results}
            return httpx.Response(200, content=dumps_exact(body))
        if request.url.path == DICTIONARY_PATH:
            return httpx.Response(200, json=dictionary_payload())
        return httpx.Response(200, content=document_text)

    client = SourceClient("sam", "https://sam.gov", transport=httpx.MockTransport(sam), headers=PUBLIC_HEADERS,
                          retry=RetryPolicy(max_attempts=1, jitter=False), sleep=lambda s: None)
    with client:
        try:
            result = fetch_sam_public(client, pace_seconds=0, concurrency=1)
        except MalformedPayload as exc:
            event("clear error")
            assert str(exc).startswith("SAM.gov public: ") and "program 10.001" in str(exc)
            return
    details = [p for p in requested if not p.startswith((SEARCH_PATH, DICTIONARY_PATH))]
    # An id goes into the path as one segment or not at all.
    assert all(p.startswith(DETAIL_PATH.format(id="")) and "/" not in p[len(DETAIL_PATH.format(id="")):]
               and "?" not in p for p in details)
    listings = result.extract.listings
    event("skipped with a warning" if not listings else
          f"read, {'with' if any(x.sam_actual is not None or x.sam_estimate is not None for x in listings[0].lines) else 'without'} figures")
    if not listings:
        assert any(repr(program_id.strip()) in w or "no _id" in w for w in result.extract.warnings)
        return
    assert len(details) == 1
    assert_figures_come_from([x for line in listings[0].lines for x in (line.sam_actual, line.sam_estimate)], document)


# --- USAspending spending_by_category/cfda pages -------------------------------------------------


results_items = st.fixed_dictionaries({"code": alns, "amount": raw_amounts}, optional={"name": junk})
cfda_pages = often(
    st.fixed_dictionaries({
        "results": often(st.lists(results_items, min_size=1, max_size=4), st.one_of(st.lists(st.one_of(results_items, junk)), junk)),
        "page_metadata": often(st.fixed_dictionaries({"hasNext": st.booleans()}, optional={"page": st.integers(0, 9)}),
                               st.one_of(st.fixed_dictionaries({}, optional={"hasNext": junk, "page": junk}), junk)),
    }),
    junk,
)


@PAYLOADS
@given(cfda_pages)
def test_any_cfda_page_gives_rows_a_warning_or_a_clear_error(payload: Any) -> None:
    warnings: list[str] = []
    try:
        rows, has_next = parse_cfda_page(payload, fiscal_year=2024, url="https://api.usaspending.gov/x",
                                         warnings=warnings)
    except MalformedPayload as exc:
        event("clear error")
        assert str(exc).startswith("USAspending ") and "FY2024 page" in str(exc) and "\n" not in str(exc)
        return
    event(f"read, {'with' if any(r.usaspending_obligations is not None for r in rows) else 'without'} figures")
    assert isinstance(has_next, bool)
    assert len(rows) + len(warnings) == len(payload["results"])  # each row read, or skipped with a warning
    for row in rows:
        assert row.fiscal_year == 2024 and row.program_number == row.program_number.strip() != ""
    assert_figures_come_from([row.usaspending_obligations for row in rows], payload)


# --- well-formed payloads: every figure comes through, exactly -----------------------------------

clean_cells = st.lists(st.fixed_dictionaries({"actual": well_formed_amounts, "estimate": well_formed_amounts}),
                       min_size=1, max_size=4)


@PAYLOADS
@given(st.lists(clean_cells, min_size=1, max_size=3), st.sampled_from(["list", "by_year"]))
def test_a_well_formed_listing_reads_every_figure_as_written(tables: list[list[dict[str, Any]]], shape: str) -> None:
    obligations = []
    for table in tables:
        rows = [{"year": 2000 + i, **cell} for i, cell in enumerate(table)]
        values: Any = rows if shape == "list" else {str(r["year"]): {k: r[k] for k in ("actual", "estimate")}
                                                     for r in rows}
        obligations.append({"assistanceType": {"code": "F001", "name": "Grant"}, "values": values})
    page = {"assistanceListingsData": [{"assistanceListingId": "97.102", "programId": "x",
                                        "financialInformation": {"obligations": obligations}}]}
    [listing], _, _ = parse_search_page(page, url="u")
    got = [(line.fiscal_year, line.sam_actual, line.sam_estimate) for line in listing.lines]
    expected = [(2000 + i, exact_value(cell["actual"]), exact_value(cell["estimate"]))
                for table in tables for i, cell in enumerate(table)]
    assert got == expected


@PAYLOADS
@given(st.lists(st.tuples(st.sampled_from(["10.001", "10.01", "10.010", "97.102"]), well_formed_amounts),
                min_size=1, max_size=6))
def test_a_well_formed_cfda_page_reads_every_figure_as_written(items: list[tuple[str, Any]]) -> None:
    page = {"results": [{"code": code, "name": "x", "amount": amount} for code, amount in items],
            "page_metadata": {"hasNext": False, "page": 1}}
    rows, _ = parse_cfda_page(page, fiscal_year=2024, url="u")
    assert [(r.program_number, r.usaspending_obligations) for r in rows] == [(code, exact_value(a)) for code, a in items]
