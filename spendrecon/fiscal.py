"""Federal fiscal years: FY N runs from 1 October of N-1 to 30 September of N."""
from __future__ import annotations

from datetime import date


def fiscal_year_of(day: date) -> int:
    return day.year + 1 if day.month >= 10 else day.year


def last_completed_fiscal_year(today: date) -> int:
    return fiscal_year_of(today) - 1


def default_fiscal_years(today: date, count: int = 5) -> list[int]:
    last = last_completed_fiscal_year(today)
    return list(range(last - count + 1, last + 1))


def parse_fiscal_years(text: str) -> list[int]:
    """'2019-2023' or '2019,2021' or '2022' -> sorted unique years. Raises ValueError naming the bad part."""
    years: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if "-" in part:
            lo_s, _, hi_s = part.partition("-")
            lo, hi = _year(lo_s, text), _year(hi_s, text)
            if lo > hi:
                raise ValueError(f"fiscal year range {part!r} runs backwards")
            years.update(range(lo, hi + 1))
        else:
            years.add(_year(part, text))
    if not years:
        raise ValueError(f"no fiscal year in {text!r}")
    return sorted(years)


def _year(s: str, whole: str) -> int:
    s = s.strip()
    if not (s.isdigit() and len(s) == 4):
        raise ValueError(f"{s!r} in {whole!r} is not a four-digit fiscal year")
    year = int(s)
    if not 1990 <= year <= 2100:
        raise ValueError(f"fiscal year {year} is out of range (1990-2100)")
    return year


def fiscal_years_text(years: list[int] | tuple[int, ...]) -> str:
    """Years as people read them: runs of consecutive years as ranges, the rest listed.
    [2019, 2020, 2021] -> 'FY2019-FY2021'; [2019, 2023] -> 'FY2019, FY2023';
    [2019, 2020, 2021, 2023] -> 'FY2019-FY2021, FY2023'."""
    spans: list[list[int]] = []
    for year in sorted(set(years)):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(f"FY{lo}" if lo == hi else f"FY{lo}-FY{hi}" for lo, hi in spans)
