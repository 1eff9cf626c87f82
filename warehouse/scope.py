"""What a run covers. Loads replace, and findings resolve, only inside the run's scope."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scope:
    fiscal_years: tuple[int, ...]
    programs: tuple[str, ...] | None = None  # None: every program

    def covers(self, program_number: str, fiscal_year: int) -> bool:
        return fiscal_year in self.fiscal_years and (self.programs is None or program_number in self.programs)

    def params(self) -> dict[str, Any]:
        return {"fiscal_years": list(self.fiscal_years), "programs": list(self.programs or [])}
