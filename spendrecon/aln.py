"""Assistance Listing numbers as people type them: checked before anything is fetched.

An ALN is two digits (the agency), a dot, and the program part: three digits or capital letters in
current numbers (97.102, 10.U01, 12.RD1), two in a few legacy ones that both sources still carry
(10.10, which is not 10.100). Anything else -- 10.1 (a number that went through a float), 97102,
abc -- is refused with the rule, never guessed at: a program that matches nothing would only come
back as a silent empty answer.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_ALN = re.compile(r"\d{2}\.[0-9A-Z]{2,3}")
RULE = "two digits, a dot and three digits or letters, e.g. 97.102 or 10.U01"


def parse_aln(text: str) -> str:
    """``text`` as a program number (letters upper-cased, as both sources write them); ValueError if
    it is not one."""
    aln = text.strip().upper()
    if not _ALN.fullmatch(aln):
        raise ValueError(f"{text.strip()!r} is not an Assistance Listing number ({RULE})")
    return aln


def parse_alns(values: str | Iterable[str]) -> list[str]:
    """A comma-separated list (or a list) of ALNs, in order, without repeats."""
    parts = values.split(",") if isinstance(values, str) else list(values)
    alns = [parse_aln(p) for p in parts if p.strip()]
    if not alns:
        raise ValueError(f"no program number given ({RULE})")
    return list(dict.fromkeys(alns))
