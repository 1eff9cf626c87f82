"""Reading a SAM.gov public-mode program document, and the assistance-type dictionary that names its types.

A document (``/api/prod/fac/v1/programs/{_id}``), plus what the search index says about the listing,
is turned into an official-shaped listing object and read by :func:`connectors.sam_gov.parse_listing`,
so both modes read amounts, years and quirks with the very same code. Fetching (the index, the
dictionary, the documents) is connectors/sam_public.py's; this module makes no request, which is why
figure history's rebuild can read stored documents with it.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.errors import MalformedPayload
from connectors.payload import field_of, has_field, json_kind, read_text
from connectors.records import KnownDocument, RawPage, SamListing
from connectors.sam_gov import parse_listing

SOURCE = "sam"  # the pages land in raw.sam_pages like the official mode's
LABEL = "SAM.gov public"
ASSISTANCE_TYPE = "assistance_type"


@dataclass(frozen=True)
class IndexEntry:
    """One search-index result: what a listing is, and when it last changed."""

    program_id: str
    program_number: str
    title: str | None
    department: str | None
    agency: str | None
    is_active: bool
    published_date: str | None
    modified_date: str | None


@dataclass(frozen=True)
class Document:
    """A listing's document in hand: stored form, parsed payload, where it came from."""

    known: KnownDocument
    payload: Any
    where: str  # the URL fetched, or "stored document ...": for error messages
    page: RawPage | None = None  # None when reused


# --- the assistance type dictionary -------------------------------------------------------------


def parse_assistance_types(payload: Any, *, url: str, warnings: list[str] | None = None) -> dict[str, str]:
    """The assistance_type dictionary as {element_id or letter code: value}.

    Families ("0003", "B") and their sub-elements ("0003003") share one map: a sub-element is
    decoded by its own id, and anything else by the family's id (see :func:`decode_assistance_type`).
    """
    if not isinstance(payload, Mapping):
        raise malformed(f"dictionaries response from {url} is not a JSON object (got {json_kind(payload)})")
    embedded = field_of(payload, "_embedded")
    lists = field_of(embedded, "jSONObjectList") if isinstance(embedded, Mapping) else None
    if not isinstance(lists, list):
        raise malformed(f"dictionaries response from {url} has no _embedded.jSONObjectList list")
    dictionary = next((d for d in lists if isinstance(d, Mapping) and field_of(d, "id") == ASSISTANCE_TYPE), None)
    if dictionary is None:
        # Names are descriptive only (families come from the codes): carry on without them.
        if warnings is not None:
            warnings.append(f"{LABEL}: the dictionaries response has no {ASSISTANCE_TYPE} dictionary; "
                            "assistance type names are left empty")
        return {}
    names: dict[str, str] = {}
    for family in _elements(dictionary, url, ASSISTANCE_TYPE):
        family_id, value = read_text(field_of(family, "element_id")), read_text(field_of(family, "value"))
        letter = read_text(field_of(family, "code"))
        for key in (family_id, letter):
            if key is not None and value is not None:
                names[key] = value
        for sub in _elements(family, url, f"{ASSISTANCE_TYPE} {family_id}"):
            sub_id, sub_value = read_text(field_of(sub, "element_id")), read_text(field_of(sub, "value"))
            if sub_id is not None and sub_value is not None:
                names[sub_id] = sub_value
    return names


def _elements(node: Mapping[str, Any], url: str, what: str) -> list[Mapping[str, Any]]:
    elements = field_of(node, "elements")
    if elements is None:
        return []
    if not isinstance(elements, list) or not all(isinstance(e, Mapping) for e in elements):
        raise malformed(f"dictionaries response from {url}: {what} elements is not a list of objects")
    return elements


def decode_assistance_type(code: str | None, names: Mapping[str, str]) -> str | None:
    """The sub-element's own name, else its family's (the first four digits of the id)."""
    if code is None:
        return None
    return names.get(code) or (names.get(code[:4]) if code[:4].isdigit() else None)


def warn_undecoded(listings: list[SamListing], names: Mapping[str, str], warnings: list[str]) -> None:
    if not names:
        return  # already warned once about the missing dictionary
    codes = {line.assistance_type_as_given for listing in listings for line in listing.lines}
    for code in sorted(c for c in codes if c is not None and decode_assistance_type(c, names) is None):
        warnings.append(f"{LABEL}: assistance type {code} is not in the {ASSISTANCE_TYPE} dictionary; "
                        "its lines carry no type name")


# --- reading a document -------------------------------------------------------------------------


def read_listing(entry: IndexEntry, document: Document, names: Mapping[str, str], warnings: list[str]) -> SamListing:
    """A program document (plus what the index says about it) → the official mode's SamListing."""
    what = f"document of program {entry.program_number} (_id {entry.program_id}, {document.where})"
    data = _document_data(document.payload, entry, what, warnings)
    number = _document_number(data, entry, what, warnings)
    official = {
        "assistanceListingId": number,
        "programId": entry.program_id,
        "title": read_text(field_of(data, "title")) or entry.title,
        "status": "Active" if entry.is_active else "Inactive",
        "publishedDate": entry.published_date,
        "federalOrganization": {"department": entry.department, "agency": entry.agency},
        "financialInformation": {"obligations": list(_official_obligations(data, names, what))},
    }
    try:
        # The official parser reads values, years and amounts: one reading for both modes.
        return parse_listing(official)
    except MalformedPayload as exc:
        # Name the field as this document spells it, not as the official listing it was turned into.
        official_where = f"listing {number} (programId {entry.program_id}): "
        detail = exc.message.removeprefix("SAM.gov: ").removeprefix(official_where)
        field_path = "data.financial." if detail.startswith("obligations[") else ""
        raise malformed(f"{what}: {field_path}{detail}") from None


def _document_data(payload: Any, entry: IndexEntry, what: str, warnings: list[str]) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise malformed(f"{what} is {json_kind(payload)}, not a JSON object")
    data = field_of(payload, "data")
    if not isinstance(data, Mapping):
        raise malformed(f"{what}: data is {json_kind(data)}, not an object")
    doc_id = read_text(field_of(payload, "id"))
    if doc_id is not None and doc_id != entry.program_id:
        warnings.append(f"{LABEL}: {what} carries id {doc_id}; kept the search index's _id")
    return data


def _document_number(data: Mapping[str, Any], entry: IndexEntry, what: str, warnings: list[str]) -> str:
    raw = field_of(data, "programNumber")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return entry.program_number
    if not isinstance(raw, str):
        raise malformed(f"{what}: data.programNumber {raw} is a number, not a string; "
                         "it cannot be read without guessing trailing zeros")
    number = raw.strip()
    if number != entry.program_number:
        # The document holds the figures, so its number is the one they belong to.
        warnings.append(f"{LABEL}: {what} says programNumber {number}, the search index {entry.program_number}; "
                        "kept the document's")
    return number


def _official_obligations(data: Mapping[str, Any], names: Mapping[str, str], what: str) -> Iterator[dict[str, Any]]:
    """data.financial.obligations[] in the official shape: {assistanceType: {code, name}, values, isRecoveryAct}."""
    financial = field_of(data, "financial")
    if financial is None:
        return
    if not isinstance(financial, Mapping):
        raise malformed(f"{what}: data.financial is {json_kind(financial)}, not an object")
    obligations = field_of(financial, "obligations")
    if obligations is None:
        return
    if isinstance(obligations, Mapping):  # a single obligation not wrapped in a list
        obligations = [obligations]
    if not isinstance(obligations, list):
        raise malformed(f"{what}: data.financial.obligations is {json_kind(obligations)}, not a list")
    for index, entry in enumerate(obligations):
        where = f"{what}: data.financial.obligations[{index}]"
        if not isinstance(entry, Mapping):
            raise malformed(f"{where} is {json_kind(entry)}, not an object")
        code = _type_code(field_of(entry, "assistanceType"), f"{where}.assistanceType")
        official: dict[str, Any] = {
            "assistanceType": {"code": code, "name": decode_assistance_type(code, names)},
            "values": field_of(entry, "values"),
        }
        if has_field(entry, "isRecoveryAct"):
            official["isRecoveryAct"] = field_of(entry, "isRecoveryAct")
        yield official


def _type_code(value: Any, what: str) -> str | None:
    """The dictionary element id, as given ("0003003"); a v2 {code} object is read too."""
    if isinstance(value, Mapping):
        value = field_of(value, "code")
    if value is None or isinstance(value, str):
        return read_text(value)
    # 3003 is not "0003003": the leading zeros that name the family are gone.
    raise malformed(f"{what} is {json_kind(value)} {value!r}, not a dictionary element id string")


def malformed(message: str) -> MalformedPayload:
    return MalformedPayload(f"{LABEL}: {message}", source=SOURCE)


def listing_from_stored_document(body: str, entry: IndexEntry, names: Mapping[str, str]) -> SamListing:
    """A stored program document (raw.sam_public_documents) read again as the run read it, with what
    that run's search index said about the listing (connectors.sam_public.stored_index): used to
    rebuild figure history from what earlier public-mode runs kept, the very reading a live run makes."""
    known = KnownDocument(entry.program_id, entry.modified_date, body, entry.program_number, None)
    document = Document(known, json.loads(body, parse_float=Decimal), f"stored document {entry.program_id}")
    return read_listing(entry, document, names, [])
