"""A small Award Data Archive made from the demo bundle, so the bulk path runs offline.

``write_demo_archive(folder)`` writes one Full file per demo fiscal year and one Delta, named and laid
out like the real files (warehouse/archive/columns.py), whose transactions add up, per program and
year, to exactly what the demo's USAspending API answers. Loan programs (SAM.gov lines of the direct
loan or loan guarantee families) carry their loans' face value -- the SAM.gov actual of those lines, or
their estimate where the bundle's date is too early for the actual (FY2023) -- beside the subsidy cost the
API counts, so archive mode can explain them by face value as it would with real files.

The files are generated, not committed: a few MB of CSV from ~10,000 program-years. Everything is
derived from the bundle with seeded random streams and written with fixed zip timestamps, so the same
bundle gives the same bytes every time (and a second ingest skips the files by checksum).

The Delta is not decoration: for about one program-year in a hundred (97.102 FY2023 among them) the
Full file holds an older state -- one transaction at a stale amount, one that is later deleted, one
missing -- and only with the Delta applied do the totals agree with the API.
"""
from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.records import SamListing
from connectors.sam_gov import parse_listing
from spendrecon.demo.apis import Bundle
from warehouse.archive.columns import DELTA_COLUMNS, DELTA_INDICATOR, FULL_COLUMNS
from warehouse.assistance_types import DIRECT_LOAN, LOAN_GUARANTEE, family_of

FULL_FILE_DATE = date(2024, 1, 8)
DELTA_FILE_DATE = date(2024, 2, 6)
DELTA_SHARE = 0.01  # program-years whose Full file state the Delta corrects
ALWAYS_IN_DELTA = frozenset({("97.102", 2023), ("84.268", 2023)})
STALE_BY = Decimal("1234.00")  # how far the Full file's stale transaction is off

# The archive's loan types: 07 direct loan, 08 guaranteed/insured loan (FABS assistance types).
_LOAN_TYPE = {DIRECT_LOAN: ("07", "Direct Loan (E)"), LOAN_GUARANTEE: ("08", "Guaranteed/Insured Loan (F)")}
_GRANT_TYPE = ("04", "Project Grant (B)")
_STATES = ("Alabama", "Colorado", "Georgia", "Iowa", "Maine", "Nevada", "Ohio", "Oregon", "Texas", "Vermont")
_RECIPIENT_KINDS = ("Department of Health", "State University", "Housing Authority", "Community Action Partnership",
                    "County Board of Commissioners", "Department of Transportation")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoTransaction:
    """One transaction as the archive files carry it (only the columns the demo fills)."""

    key: str
    award_key: str
    fain: str
    program_number: str
    program_title: str
    fiscal_year: int
    action_date: date
    type_code: str
    type_description: str
    obligation: Decimal | None  # federal_action_obligation; blank for loans (FABS26.1)
    pragmatic: Decimal  # generated_pragmatic_obligations: what the API's amount sums
    face_value: Decimal | None
    subsidy_cost: Decimal | None
    recipient: str
    record_type: str
    agency: str | None
    description: str
    award_description: str
    last_modified: str

    def row(self) -> dict[str, str]:
        return {
            "assistance_transaction_unique_key": self.key,
            "assistance_award_unique_key": self.award_key,
            "award_id_fain": self.fain,
            "modification_number": "0",
            "federal_action_obligation": _text(self.obligation),
            "face_value_of_loan": _text(self.face_value),
            "original_loan_subsidy_cost": _text(self.subsidy_cost),
            "generated_pragmatic_obligations": _text(self.pragmatic),
            "action_date": self.action_date.isoformat(),
            "action_date_fiscal_year": str(self.fiscal_year),
            "awarding_agency_name": self.agency or "",
            "funding_agency_name": self.agency or "",
            "recipient_name": self.recipient,
            "cfda_number": self.program_number,
            "cfda_title": self.program_title,
            "assistance_type_code": self.type_code,
            "assistance_type_description": self.type_description,
            "transaction_description": self.description,
            "prime_award_base_transaction_description": self.award_description,
            "action_type_code": "A",
            "record_type_code": self.record_type,
            "initial_report_date": self.action_date.isoformat(),
            "last_modified_date": self.last_modified,
        }


@dataclass(frozen=True)
class DemoArchive:
    """The final state (what the API agrees with) and the two steps that reach it."""

    final: dict[tuple[str, int], list[DemoTransaction]]  # (program, fiscal year) -> transactions
    full: dict[int, list[DemoTransaction]]  # fiscal year -> the Full file's rows (older state included)
    delta_changes: list[DemoTransaction]  # C rows: corrected or added transactions
    delta_deletes: list[DemoTransaction]  # D rows: transactions the Full file has and the final state lacks

    @property
    def fiscal_years(self) -> list[int]:
        return sorted(self.full)


def full_file_name(fiscal_year: int) -> str:
    return f"FY{fiscal_year}_All_Assistance_Full_{FULL_FILE_DATE:%Y%m%d}.zip"


def delta_file_name() -> str:
    return f"FY(All)_All_Assistance_Delta_{DELTA_FILE_DATE:%Y%m%d}.zip"


def build_demo_archive(bundle: Bundle | None = None) -> DemoArchive:
    """Every demo program-year USAspending reports, as transactions adding up to its figure."""
    bundle = bundle or Bundle.load_demo()
    listings = _chosen_listings(bundle.sam_listings)
    final: dict[tuple[str, int], list[DemoTransaction]] = {}
    full: dict[int, list[DemoTransaction]] = {}
    changes: list[DemoTransaction] = []
    deletes: list[DemoTransaction] = []
    for fiscal_year in sorted(bundle.usaspending):
        year_rows: list[DemoTransaction] = []
        for api_row in sorted(bundle.usaspending[fiscal_year], key=lambda r: str(r["code"])):
            program = str(api_row["code"])
            amount = Decimal(str(api_row["amount"] if api_row["amount"] is not None else 0))
            listing = listings.get(program)
            in_delta = (program, fiscal_year) in ALWAYS_IN_DELTA or \
                random.Random(f"delta|{program}|{fiscal_year}").random() < DELTA_SHARE
            txns = _transactions(program, str(api_row.get("name") or ""), fiscal_year, amount, listing,
                                 at_least=2 if in_delta else 1)
            final[(program, fiscal_year)] = txns
            if in_delta:
                stale, extra = _stale(txns[0]), _extra(txns[0])
                year_rows += [stale, *txns[1:-1], extra]
                changes += [_in_delta(txns[0]), _in_delta(txns[-1])]
                deletes.append(extra)
            else:
                year_rows += txns
        full[fiscal_year] = year_rows
    return DemoArchive(final, full, changes, deletes)


def write_demo_archive(folder: Path, bundle: Bundle | None = None) -> list[Path]:
    """Write the Full files and the Delta into ``folder``; returns their paths in the order they apply."""
    archive = build_demo_archive(bundle)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fiscal_year in archive.fiscal_years:
        rows = [t.row() for t in archive.full[fiscal_year]]
        paths.append(_write_zip(folder / full_file_name(fiscal_year), FULL_COLUMNS, rows, FULL_FILE_DATE))
    delta_rows = [{DELTA_INDICATOR: "C", **t.row()} for t in archive.delta_changes]
    delta_rows += [_delete_row(t) for t in archive.delta_deletes]
    paths.append(_write_zip(folder / delta_file_name(), DELTA_COLUMNS, delta_rows, DELTA_FILE_DATE))
    return paths


def program_year_totals(archive: DemoArchive) -> dict[tuple[str, int], dict[str, Decimal | None]]:
    """Per program-year sums of the final state (what the store should hold once both steps apply)."""
    out: dict[tuple[str, int], dict[str, Decimal | None]] = {}
    for key, txns in archive.final.items():
        faces = [t.face_value for t in txns if t.face_value is not None]
        out[key] = {"obligations": sum((t.pragmatic for t in txns), Decimal("0.00")),
                    "loan_face_value": sum(faces, Decimal("0.00")) if faces else None}
    return out


# --- program-years -> transactions -------------------------------------------------------------

def _chosen_listings(raw: Iterable[dict[str, Any]]) -> dict[str, SamListing]:
    """The listing each ALN's SAM.gov figures come from: active first, then the most recently
    published (as staging.sam_listing_chosen chooses)."""
    by_number: dict[str, list[SamListing]] = {}
    for obj in raw:
        listing = parse_listing(obj)
        by_number.setdefault(listing.program_number, []).append(listing)

    def rank(l: SamListing) -> tuple[bool, str, str]:
        return ((l.status or "").lower() != "active", _desc(l.published_date or ""), l.program_id or "")

    return {number: sorted(group, key=rank)[0] for number, group in by_number.items()}


def _desc(text: str) -> str:
    """Sorts text descending in an ascending sort (empty last)."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text) if text else "\U0010ffff"


def _loan_face_value(listing: SamListing | None, fiscal_year: int) -> tuple[Decimal, str] | None:
    """The SAM.gov actual on the listing's loan lines for the year (the estimate of a line whose actual is not
    in yet: USAspending records loans as they are made, whatever SAM.gov has reported), and their (largest)
    loan family."""
    if listing is None:
        return None
    by_family: dict[str, Decimal] = {}
    for line in listing.lines:
        family = family_of(line.assistance_type_code, line.assistance_type_name)
        face = line.sam_estimate if line.sam_actual is None else line.sam_actual
        if line.fiscal_year == fiscal_year and family in _LOAN_TYPE and face is not None:
            by_family[family] = by_family.get(family, Decimal("0")) + face
    if not by_family:
        return None
    family = max(sorted(by_family), key=lambda f: abs(by_family[f]))
    return sum(by_family.values(), Decimal("0")).quantize(_CENT), family


def _transactions(program: str, title: str, fiscal_year: int, amount: Decimal, listing: SamListing | None,
                  *, at_least: int) -> list[DemoTransaction]:
    rng = random.Random(f"txn|{program}|{fiscal_year}")
    count = max(at_least, rng.choice((1, 1, 2, 2, 3)))
    loan = _loan_face_value(listing, fiscal_year)
    weights = [rng.randint(1, 9) for _ in range(count)]
    pragmatic = _split(amount, weights)
    faces: Sequence[Decimal | None] = _split(loan[0], weights) if loan else [None] * count
    type_code, type_description = _LOAN_TYPE[loan[1]] if loan else _GRANT_TYPE
    agency = listing.department if listing else None
    fy_start = date(fiscal_year - 1, 10, 1)
    txns = []
    for i in range(count):
        fain = f"{program.replace('.', '')}{fiscal_year % 100:02d}{i + 1:04d}".upper()
        recipient = "MULTIPLE RECIPIENTS" if loan else \
            f"{rng.choice(_STATES)} {rng.choice(_RECIPIENT_KINDS)}".upper()
        action_date = fy_start + timedelta(days=rng.randint(0, 364))
        txns.append(DemoTransaction(
            key=f"DEMO_{fain}_-NONE-_{program}_0".upper(),
            award_key=f"ASST_NON_{fain}_DEMO".upper(),
            fain=fain,
            program_number=program,
            program_title=title,
            fiscal_year=fiscal_year,
            action_date=action_date,
            type_code=type_code,
            type_description=type_description,
            obligation=None if loan else pragmatic[i],
            pragmatic=pragmatic[i],
            face_value=faces[i],
            subsidy_cost=pragmatic[i] if loan else None,
            recipient=recipient,
            record_type="1" if loan else "2",  # loans to individuals come as aggregate records
            agency=agency,
            description=f"FY{fiscal_year} {'LOANS' if loan else 'AWARD'} {i + 1} UNDER {program}",
            award_description=f"{title.upper()}: {recipient}",
            last_modified=f"{min(action_date + timedelta(days=30), FULL_FILE_DATE - timedelta(days=1))} 10:00:00",
        ))
    return txns


def _split(total: Decimal, weights: Sequence[int]) -> list[Decimal]:
    """``total`` in parts proportional to ``weights``, in whole cents, adding up exactly."""
    cents = int((total * 100).to_integral_exact())
    if cents != total * 100:
        raise ValueError(f"{total} has more than two decimal places")
    whole = sum(weights)
    parts = [cents * w // whole for w in weights[:-1]]
    parts.append(cents - sum(parts))
    return [(Decimal(p) / 100).quantize(_CENT) for p in parts]


def _stale(t: DemoTransaction) -> DemoTransaction:
    """The transaction as the Full file has it: an amount the Delta later corrects."""
    def off(value: Decimal | None) -> Decimal | None:
        return None if value is None else value + STALE_BY
    return replace(t, obligation=off(t.obligation), pragmatic=t.pragmatic + STALE_BY,
                   subsidy_cost=off(t.subsidy_cost), face_value=off(t.face_value))


def _extra(t: DemoTransaction) -> DemoTransaction:
    """A transaction the Full file has and the Delta deletes (a correction withdrawn)."""
    return replace(t, key=f"{t.key}_WITHDRAWN", award_key=f"{t.award_key}_WITHDRAWN",
                   description=f"{t.description} (WITHDRAWN)")


def _in_delta(t: DemoTransaction) -> DemoTransaction:
    return replace(t, last_modified=f"{DELTA_FILE_DATE - timedelta(days=10)} 10:00:00")


def _delete_row(t: DemoTransaction) -> dict[str, str]:
    """A D row carries only the keys (as real Delta files do)."""
    return {DELTA_INDICATOR: "D", "assistance_transaction_unique_key": t.key, "award_id_fain": t.fain,
            "cfda_number": t.program_number,
            "last_modified_date": f"{DELTA_FILE_DATE - timedelta(days=10)} 10:00:00"}


# --- files ---------------------------------------------------------------------------------------

def _text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _write_zip(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]], day: date) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    # Fixed timestamp, permissions and system: the same rows give the same bytes on every machine.
    info = zipfile.ZipInfo(f"{path.name[:-4]}_1.csv", date_time=(day.year, day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr(info, buf.getvalue().encode("utf-8"), compresslevel=6)
    tmp.replace(path)
    return path
