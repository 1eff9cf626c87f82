"""The annotations file tried by the thousand (hypothesis): whatever an analyst types as a note or
an author reads back identically, one review per line, after whatever was already in the file.

The alphabet leans on the characters that have broken JSON Lines files before (U+2028, U+2029,
U+0085, CR, the other str.splitlines() separators, NUL, quotes, backslashes) on top of all of
Unicode; text that is not Unicode (lone surrogates) must be refused without writing anything.
"""
from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.annotations import STATUSES, Annotation, AnnotationError, append_log, read_log

ROUND_TRIPS = 300  # generated files (each with one to four reviews) per run; about 3 s
REFUSALS = 100

_tricky = st.sampled_from(["\u2028", "\u2029", "\u0085", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d",
                           "\x1e", "\x00", '"', "\\", "\\u2028", "{", "}", "é", "\ufeff", "\U0001f600"])
text = st.lists(st.characters(codec="utf-8") | _tricky, max_size=30).map("".join)  # all of Unicode but surrogates
zones = st.sampled_from([timezone.utc, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])
moments = st.builds(lambda dt, tz: dt.replace(tzinfo=tz),
                    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), zones)
annotations = st.builds(
    Annotation,
    program_number=st.sampled_from(["97.102", "10.100", "10.10", "93.U01"]) | text,
    fiscal_year=st.integers(1000, 9999),
    status=st.sampled_from(STATUSES),
    note=st.none() | text,
    annotated_at=moments,
    rule_id=st.none() | st.sampled_from(["amount_mismatch", "estimate_only"]) | text,
    author=st.none() | text,
)
# What may already be in the file: earlier reviews, hand edits, a line cut short by a crash; with
# or without a final newline.
existing = st.binary(max_size=80) | st.sampled_from([
    b"", b"\n", b'{"program_number": "97.102", "fiscal_year": 2022, "status": "acc',
    b'{"program_number": "97.102", "fiscal_year": 2022, "status": "accepted", '
    b'"annotated_at": "2026-11-27T11:00:00+00:00"}',
])


@settings(max_examples=ROUND_TRIPS, deadline=None)
@given(before=existing, written=st.lists(annotations, min_size=1, max_size=4))
def test_any_note_and_author_read_back_identically_after_whatever_the_file_held(
        before: bytes, written: list[Annotation]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "annotations.jsonl"
        if before:
            path.write_bytes(before)
        earlier = read_log(path)
        for a in written:
            append_log(path, a)
        after = read_log(path)
        content = path.read_bytes()

    assert content.startswith(before)  # nothing rewritten or dropped
    assert after.annotations[len(after.annotations) - len(written):] == written
    assert after.annotations[:len(after.annotations) - len(written)] == earlier.annotations
    assert after.problems == earlier.problems  # the lines already there read exactly as before
    glued = 1 if before and not before.endswith(b"\n") else 0  # a hand edit's last line gets its newline
    assert content.count(b"\n") == before.count(b"\n") + glued + len(written)
    for line in content.split(b"\n")[-len(written) - 1:-1]:
        assert len(line.decode("utf-8").splitlines()) == 1  # one line for any reader, not just ours


@settings(max_examples=REFUSALS, deadline=None)
@given(prefix=text, surrogate=st.integers(0xD800, 0xDFFF), field=st.sampled_from(["note", "author", "rule_id"]))
def test_text_that_is_not_unicode_is_refused(prefix: str, surrogate: int, field: str) -> None:
    values = {"note": None, "author": None, "rule_id": None, field: prefix + chr(surrogate)}
    with pytest.raises(AnnotationError, match=f"{field} is not valid text"):
        Annotation("97.102", 2022, "accepted", annotated_at=datetime.now(timezone.utc), **values)
