"""The typed records connectors hand to the warehouse.

Money is always ``Decimal`` (or ``None`` where the source gave no figure); ALNs are strings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class RawPage:
    """One HTTP response body exactly as the source sent it, kept so any figure can be traced back."""

    source: str  # "sam" | "usaspending"
    method: str  # "GET" | "POST"
    url: str  # without the api_key (redacted before it gets here)
    request_body: str | None  # the JSON body sent (POST), None for GET
    page_number: int
    fiscal_year: int | None  # the fiscal year asked for (USAspending), None for SAM.gov
    status_code: int
    fetched_at: datetime
    body: str  # response text, verbatim


@dataclass(frozen=True)
class SamObligationLine:
    """One (assistance type, year) cell of a listing's obligations table."""

    program_number: str
    fiscal_year: int
    assistance_type_code: str | None  # "F001".. or a legacy dictionary id; None if absent
    assistance_type_name: str | None
    actual: Decimal | None
    estimate: Decimal | None
    is_recovery_act: bool | None = None


@dataclass(frozen=True)
class SamListing:
    program_number: str
    title: str | None
    department: str | None
    agency: str | None
    status: str | None  # "Active", "Inactive"/"Archived", as the source says
    version: str | None  # data-spec version "1.0" / "2.0"
    program_id: str | None
    published_date: str | None
    assistance_types: tuple[str, ...] = ()  # codes of every obligations[] entry, in order, deduplicated
    lines: tuple[SamObligationLine, ...] = ()


@dataclass(frozen=True)
class KnownDocument:
    """A sam.mode public program document, the body verbatim, kept so the next run can reuse it.

    Fetched by this run or an earlier one; a later run reuses it without a request while the search
    index's ``modifiedDate`` still equals ``modified_date``.
    """

    program_id: str  # the search index's _id
    modified_date: str | None  # the search index's modifiedDate when the body was fetched
    body: str
    program_number: str | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class SamExtract:
    listings: list[SamListing]
    pages: list[RawPage]
    requests: int  # HTTP attempts made, retries included (they count against the daily quota)
    total_records: int | None  # what the source said it had
    warnings: list[str] = field(default_factory=list)
    # sam.mode public only: the program documents fetched by this run, carried to publish so the
    # next run can skip unchanged listings.
    public_documents: list[KnownDocument] = field(default_factory=list)


@dataclass(frozen=True)
class UsaspendingProgramYear:
    program_number: str
    fiscal_year: int
    program_title: str | None
    obligations: Decimal | None  # the API's `amount` (sum of generated_pragmatic_obligation)


@dataclass(frozen=True)
class UsaspendingExtract:
    fiscal_year: int
    rows: list[UsaspendingProgramYear]
    pages: list[RawPage]
    requests: int
    warnings: list[str] = field(default_factory=list)
