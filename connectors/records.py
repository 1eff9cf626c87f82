"""The typed records connectors hand to the warehouse, and the archive file names both sides read.

Money is always ``Decimal`` (or ``None`` where the source gave no figure); ALNs are strings.
This is the one connector module the warehouse may import (pyproject.toml's import contracts).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit


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


# --- assistance types: one spelling whichever SAM.gov mode read them --------------------------------
# api.sam.gov reports the v2 codes (F001-F010 financial, N001-N007 non-financial); the keyless front
# end (sam.mode: public) and older listings report legacy dictionary element ids ("0003003", a
# family's first four digits then the sub-element) or family letters (A-O, Z). A line is one
# assistance type however the source spelled it, so both are read as the v2 code here, once: a
# listing's lines, its assistance_types and so recon.figure_history's line key are the same in both
# modes, and switching modes restates nothing. warehouse/assistance_types.py reduces these codes to
# families.

SALARIES_AND_EXPENSES_CODE = "0090"  # legacy Z "Salaries and Expenses": no v2 code, kept as the family id
_LEGACY_LETTER_FAMILY = {
    "A": "0001", "B": "0003", "C": "0005", "D": "0007", "E": "0009", "F": "0011", "G": "0013", "H": "0015",
    "I": "0017", "J": "0019", "K": "0021", "L": "0023", "M": "0025", "N": "0027", "O": "0029", "Z": "0090",
}
# Legacy family id -> its v2 code; the families v2 splits in two or three are told apart by the
# dictionary's name of the sub-element (_BY_NAME), the family's own v2 code otherwise.
_LEGACY_FAMILY_CODE = {
    "0001": "F001", "0003": "F001", "0005": "F006", "0007": "F007", "0009": "F003", "0011": "F004",
    "0013": "F005", "0015": "F009", "0017": "N007", "0019": "N001", "0021": "N002", "0023": "N003",
    "0025": "N004", "0027": "N005", "0029": "N006", "0090": SALARIES_AND_EXPENSES_CODE,
}
_BY_NAME = {
    "0003": (("cooperative agreement", "F002"),),
    "0015": (("forfeiture", "F008"), ("equitable sharing", "F008"), ("other financial", "F010")),
}
_V2_CODE = re.compile(r"[FN]\d{3}\Z")


def canonical_assistance_type(code: str | None, name: str | None = None) -> str | None:
    """The v2 code ("F001") of an assistance type however the source spelled it: a v2 code as it is
    (upper-cased), a legacy dictionary id or family letter by its family (and, where v2 splits the
    family, by the dictionary's ``name`` of it); a code we cannot read is kept as given, stripped."""
    if code is None or not code.strip():
        return None
    c = code.strip().upper()
    if _V2_CODE.match(c):
        return c
    family = _LEGACY_LETTER_FAMILY.get(c) if len(c) == 1 else (c[:4] if c.isdigit() and len(c) >= 4 else None)
    if family not in _LEGACY_FAMILY_CODE:
        return code.strip()
    spelled = (name or "").lower()
    return next((v2 for words, v2 in _BY_NAME.get(family, ()) if words in spelled), _LEGACY_FAMILY_CODE[family])


@dataclass(frozen=True)
class SamObligationLine:
    """One (assistance type, year) cell of a listing's obligations table."""

    program_number: str
    fiscal_year: int
    assistance_type_code: str | None  # canonical_assistance_type: "F001".., the same in both modes; None if absent
    assistance_type_name: str | None  # as the source names it ("Grant"; "Project Grants" in public mode)
    sam_actual: Decimal | None
    sam_estimate: Decimal | None
    is_recovery_act: bool | None = None
    assistance_type_as_given: str | None = None  # the source's own spelling ("0003003" in public mode)


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
    assistance_types: tuple[str, ...] = ()  # canonical codes of every obligations[] entry, in order, deduplicated
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
    usaspending_obligations: Decimal | None  # the API's `amount` (sum of generated_pragmatic_obligation)


@dataclass(frozen=True)
class UsaspendingExtract:
    fiscal_year: int
    rows: list[UsaspendingProgramYear]
    pages: list[RawPage]
    requests: int
    warnings: list[str] = field(default_factory=list)


# --- Award Data Archive file names ---------------------------------------------------------------
# The one vocabulary both sides read: a download is saved under its archive name, and the archive
# store applies files in the order their names give. Names follow usaspending-api's generators
# (populate_monthly_files.py, populate_monthly_delta_files.py):
# ``FY2025_All_Assistance_Full_20251206.zip`` holds one fiscal year as of a date;
# ``FY(All)_All_Assistance_Delta_20251206.zip`` holds the changes across all years since the previous one.

# \Z, not $: "$" also matches before a final newline, and a name is used as a file name on disk.
_NAME = re.compile(
    r"^FY(?P<fy>\d{4}|\(All\))_(?P<agency>All|\d{3})_Assistance_(?P<kind>Full|Delta)_(?P<date>\d{8})\.zip\Z"
)


class ArchiveNameError(ValueError):
    """A file name that is not an Award Data Archive assistance file we can apply."""


@dataclass(frozen=True)
class ArchiveName:
    """What an Award Data Archive file's name says it holds."""

    file_name: str
    kind: Literal["full", "delta"]
    file_date: date
    fiscal_year: int | None  # Full files only


def parse_archive_name(name: str) -> ArchiveName:
    """Read kind, date and fiscal year from a file name (a path or URL is reduced to its last part)."""
    base = unquote(name_of(name))  # links spell FY(All) as FY%28All%29
    m = _NAME.match(base)
    if not m:
        raise ArchiveNameError(
            f"{base!r} is not an Award Data Archive assistance file name "
            "(expected FY2023_All_Assistance_Full_YYYYMMDD.zip or FY(All)_All_Assistance_Delta_YYYYMMDD.zip)"
        )
    if m["agency"] != "All":
        # A per-agency Full file covers one agency's slice of a year: replacing the year with it
        # would delete every other agency's transactions.
        raise ArchiveNameError(f"{base}: per-agency files ({m['agency']}) are not supported; use the _All_ files")
    kind: Literal["full", "delta"] = "full" if m["kind"] == "Full" else "delta"
    if (kind == "full") == (m["fy"] == "(All)"):
        raise ArchiveNameError(f"{base}: Full files are per fiscal year and Delta files are FY(All)")
    try:
        file_date = date(int(m["date"][:4]), int(m["date"][4:6]), int(m["date"][6:]))
    except ValueError:
        raise ArchiveNameError(f"{base}: {m['date']} is not a date") from None
    return ArchiveName(base, kind, file_date, int(m["fy"]) if kind == "full" else None)


def name_of(source: str) -> str:
    """The file name of a local path or a URL."""
    if is_url(source):
        return unquote(urlsplit(source).path.rsplit("/", 1)[-1])
    return Path(source).name


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def ingest_order(names: Iterable[ArchiveName]) -> list[ArchiveName]:
    """Full files first (oldest first), then Delta files oldest first: each Delta applies to the
    state the Full files and earlier Deltas left."""
    return sorted(names, key=lambda n: (n.kind != "full", n.file_date, n.fiscal_year or 0, n.file_name))
