"""A small reading of the demo vintages' raw JSON, independent of spendrecon's connectors and warehouse,
so the replay's expected figures come from what the sources said, not from what spendrecon made of it.

``Expected`` replays the sources' statements the way issue 17 defines the record: a program-year's
SAM.gov figures are the latest statement of that year by any listing of its ALN (a year no listing
states any more keeps its last statement); a renumbered listing (its id now under another ALN) leaves
the old ALN without SAM.gov figures; USAspending's figure is the latest answer for a year asked, none
when a year asked no longer holds the program. A run states only the years it asks (its window).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spendrecon.demo.apis import Bundle

CENT = Decimal("0.01")
Key = tuple[str, int]
SamFigures = tuple[Decimal | None, Decimal | None]  # (estimate, actual)


def get(obj: Any, name: str) -> Any:
    """A field by name, whatever its case (a few listings write ``Obligations``)."""
    if not isinstance(obj, Mapping):
        return None
    return next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == name.lower()), None)


def money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def year_cells(listing: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any] | None]]:
    """(fiscal year, cell) per assistance type and year the listing states."""
    obligations = get(get(listing, "financialInformation"), "obligations") or []
    for obligation in obligations if isinstance(obligations, list) else [obligations]:
        values = get(obligation, "values")
        if isinstance(values, Mapping):
            for year, cell in values.items():
                yield int(str(year)), cell
        elif isinstance(values, list):
            for row in values:
                if isinstance(row, Mapping):
                    yield int(str(get(row, "year") or get(row, "fiscalYear"))), row


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    return total if value is None else (value if total is None else total + value)


def sam_statements(bundle: Bundle) -> dict[str, dict[int, SamFigures]]:
    """ALN -> fiscal year -> (estimate, actual) summed over the listing's lines; None where no line has one."""
    found: dict[str, dict[int, SamFigures]] = {}
    for listing in bundle.sam_listings:
        years = found.setdefault(str(get(listing, "assistanceListingId")), {})
        for year, cell in year_cells(listing):
            estimate, actual = years.get(year, (None, None))
            years[year] = (_add(estimate, money(get(cell, "estimate"))), _add(actual, money(get(cell, "actual"))))
    return found


def listing_ids(bundle: Bundle) -> dict[str, str]:
    """ALN -> listing id (each vintage holds one listing per ALN)."""
    return {str(get(item, "assistanceListingId")): str(get(item, "programId")) for item in bundle.sam_listings}


def usaspending_answer(bundle: Bundle, fiscal_year: int) -> dict[str, Decimal | None]:
    answer: dict[str, Decimal | None] = {}
    for row in bundle.usaspending.get(fiscal_year, []):
        answer[str(row["code"])] = _add(answer.get(str(row["code"])), money(row.get("amount")))
    return answer


@dataclass
class Expected:
    """What the record should hold after replaying vintages oldest first."""

    sam: dict[Key, SamFigures] = field(default_factory=dict)
    usaspending: dict[Key, Decimal | None] = field(default_factory=dict)
    aln_of_id: dict[str, str] = field(default_factory=dict)
    renumbered: set[tuple[str, str]] = field(default_factory=set)

    def replay(self, bundle: Bundle, years: Iterable[int]) -> None:
        asked = set(years)
        ids = listing_ids(bundle)
        for aln, by_year in sam_statements(bundle).items():
            for year, figures in by_year.items():
                if year in asked:
                    self.sam[(aln, year)] = figures
        for aln, listing_id in ids.items():
            before = self.aln_of_id.get(listing_id)
            if before is not None and before != aln and before not in ids:
                # The same listing under a new number: nothing stays counted under the old one.
                self.renumbered.add((before, aln))
                for key in [k for k in self.sam if k[0] == before]:
                    self.sam[key] = (None, None)
            self.aln_of_id[listing_id] = aln
        for year in asked:
            answer = usaspending_answer(bundle, year)
            for key in [k for k in self.usaspending if k[1] == year and k[0] not in answer]:
                self.usaspending[key] = None  # asked, and the answer no longer holds it
            for code, amount in answer.items():
                self.usaspending[(code, year)] = amount

    def figures(self, key: Key) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        estimate, actual = self.sam.get(key, (None, None))
        return estimate, actual, self.usaspending.get(key)

    def keys(self) -> set[Key]:
        return set(self.sam) | set(self.usaspending)

    def with_sam_figures(self) -> set[Key]:
        return {k for k, (estimate, actual) in self.sam.items() if estimate is not None or actual is not None}
