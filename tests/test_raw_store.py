"""Each raw response body is stored once, cut into content-defined chunks, and read back verbatim:
a run on unchanged data stores no new body, a changed figure costs the chunk that holds it, and a
warehouse an older release wrote (bodies inline, one copy per run) is moved once, byte for byte."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from spendrecon.pipeline import extract_sam, extract_usaspending, guarded_run, plan_run, publish
from tests.conftest import demo_settings
from warehouse.db import connect, ensure_schema
from warehouse.raw_store import MAX_CHUNK, chunks_of, digest, store_bodies


def _page(listings: list[dict[str, object]]) -> str:
    return json.dumps({"totalRecords": len(listings), "assistanceListingsData": listings}, indent=1)


def _listings(n: int) -> list[dict[str, object]]:
    return [{"assistanceListingId": f"{10 + i // 100}.{i % 100:03d}", "title": f"Program {i}",
             "financial": [{"fiscalYear": fy, "actual": 1000 * i + fy, "estimate": None} for fy in range(2019, 2024)]}
            for i in range(n)]


@given(st.text(max_size=3000) | st.text(alphabet="{},[]\" :ab1", max_size=3000))
@settings(max_examples=300, deadline=None)
def test_a_body_is_its_chunks_concatenated(text: str) -> None:
    chunks = chunks_of(text)
    assert "".join(chunks) == text
    assert chunks and all(len(c) <= MAX_CHUNK for c in chunks)


def test_a_long_text_without_boundaries_is_cut_at_the_maximum() -> None:
    text = "x" * (2 * MAX_CHUNK + 10)
    assert [len(c) for c in chunks_of(text)] == [MAX_CHUNK, MAX_CHUNK, 10]


def test_a_changed_figure_changes_one_chunk_and_an_inserted_listing_only_its_neighbours() -> None:
    listings = _listings(100)
    before = set(chunks_of(_page(listings)))
    changed = json.loads(json.dumps(listings))
    changed[57]["financial"][2]["actual"] = 123  # type: ignore[index]
    after = chunks_of(_page(changed))
    assert 1 <= len([c for c in after if c not in before]) <= 2
    inserted = [*listings[:30], {"assistanceListingId": "99.999", "title": "New"}, *listings[30:]]
    after = chunks_of(_page(inserted))
    assert len([c for c in after if c not in before]) <= 2
    assert len(after) > 50  # chunks of a few listings' size, not the whole page


def test_storing_the_same_bodies_again_stores_nothing_and_reads_back_verbatim(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    ensure_schema(con)
    pages = [_page(_listings(100)), _page(_listings(3)), "", '{"a": "\\u00e9 caf\u00e9 \\n"}']
    keys, first = store_bodies(con, pages)
    assert first.new_bodies == 4 and first.new_chunks > 50
    again, second = store_bodies(con, [*pages, pages[0]])
    assert again[:4] == keys and again[4] == keys[0]
    assert (second.new_bodies, second.new_chunks, second.new_bytes) == (0, 0, 0)
    texts = dict(con.execute("SELECT body_id, body FROM raw.body_texts").fetchall())
    assert [texts[k] for k in keys] == pages
    hashes = dict(con.execute("SELECT body_id, body_hash FROM raw.bodies").fetchall())
    assert [hashes[k] for k in keys] == [digest(p) for p in pages]


def test_pages_read_through_the_views_are_the_bodies_the_sources_sent(demo_warehouse_path: Path) -> None:
    con = duckdb.connect(str(demo_warehouse_path), read_only=True)
    try:
        bodies = con.execute("SELECT body::VARCHAR FROM raw.sam_pages ORDER BY page_number").fetchall()
        refs = con.execute("SELECT count(*) FROM raw.sam_page_refs").fetchall()[0][0]
        totals = con.execute("SELECT DISTINCT body->>'$.totalRecords' FROM raw.sam_pages").fetchall()
    finally:
        con.close()
    assert len(bodies) == refs > 0
    assert all(json.loads(b) for (b,) in bodies)  # whole JSON documents, not fragments
    assert len(totals) == 1


def _pipeline_run(settings):  # type: ignore[no-untyped-def]
    plan = plan_run(settings, demo=True)
    with guarded_run(plan) as clients:
        sam = extract_sam(plan, clients.sam)
        usas = [extract_usaspending(plan, clients.usaspending, fy) for fy in plan.scope.fiscal_years]
        clients.count_requests()
        return publish(plan, sam, usas)


def _store(path: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        chunks = con.execute("SELECT count(*) FROM raw.body_chunks").fetchall()[0][0]
        bodies = con.execute("SELECT count(*) FROM raw.bodies").fetchall()[0][0]
        _, _, block_size, _, used, *_ = con.execute("PRAGMA database_size").fetchall()[0]
    finally:
        con.close()
    return chunks, bodies, int(block_size) * int(used), path.stat().st_size


def test_runs_on_unchanged_data_store_no_body_again_and_add_under_a_tenth_of_a_megabyte(tmp_path: Path) -> None:
    """The CI check of bench-years's target: five runs on the demo's unchanged data."""
    settings = demo_settings(tmp_path)
    stores = []
    for _ in range(5):
        _pipeline_run(settings)
        stores.append(_store(settings.warehouse_path))
    assert len({(chunks, bodies) for chunks, bodies, _, _ in stores}) == 1  # nothing stored after run 1
    pages = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        per_run = pages.execute("SELECT count(*) FROM raw.sam_page_refs GROUP BY run_id").fetchall()
    finally:
        pages.close()
    assert len(per_run) == 5 and len(set(per_run)) == 1  # every run's pages are there, by reference
    # From run 2 on (run 2 still grows by the blocks DuckDB frees while it rewrites staging and recon):
    growth = (stores[-1][2] - stores[1][2]) / 3
    assert growth < 100_000, f"{growth:,.0f} bytes per unchanged run"
    # The file itself, free blocks and all, stays within twice its size after the first run.
    assert max(size for *_, size in stores) < 2 * stores[0][3], [size for *_, size in stores]
    assert not (tmp_path / ".w.duckdb.spool").exists()  # the runs' spools went with their publish


# The raw tables as releases before the store wrote them: each body inline, one copy per run.
_INLINE_LAYOUT = """
CREATE SCHEMA raw;
CREATE TABLE raw.sam_pages (run_id VARCHAR NOT NULL, page_number INTEGER NOT NULL, url VARCHAR NOT NULL,
    status_code INTEGER NOT NULL, fetched_at TIMESTAMP NOT NULL, body JSON NOT NULL);
CREATE TABLE raw.usaspending_pages (run_id VARCHAR NOT NULL, fiscal_year INTEGER NOT NULL,
    page_number INTEGER NOT NULL, url VARCHAR NOT NULL, request_body JSON, status_code INTEGER NOT NULL,
    fetched_at TIMESTAMP NOT NULL, body JSON NOT NULL);
CREATE TABLE raw.sam_public_documents (run_id VARCHAR NOT NULL, program_id VARCHAR NOT NULL,
    program_number VARCHAR, modified_date VARCHAR, fetched_at TIMESTAMP NOT NULL, body JSON NOT NULL);
"""


def test_a_warehouse_with_inline_bodies_is_moved_once_byte_for_byte(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path / "new")
    _pipeline_run(settings)
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(_INLINE_LAYOUT)
    con.execute("ATTACH $p AS new (READ_ONLY)", {"p": str(settings.warehouse_path)})
    for run in ("run-1", "run-2"):  # two runs that fetched the same bodies, as an older release kept them
        con.execute("INSERT INTO raw.sam_pages SELECT $r, page_number, url, status_code, fetched_at, body "
                    "FROM new.raw.sam_pages", {"r": run})
        con.execute("INSERT INTO raw.usaspending_pages SELECT $r, * EXCLUDE (run_id) FROM new.raw.usaspending_pages",
                    {"r": run})
    con.execute("INSERT INTO raw.sam_public_documents VALUES ('run-2', 'abc', '10.001', '2024-01-01', "
                "'2024-01-02 03:04:05', '{\"title\": \"caf\u00e9 \\u00e9\"}')")
    con.execute("DETACH new")
    before = {t: con.execute(f"SELECT * EXCLUDE (body), body::VARCHAR FROM raw.{t} ORDER BY ALL").fetchall()
              for t in ("sam_pages", "usaspending_pages", "sam_public_documents")}
    con.close()
    assert before["sam_pages"] and before["usaspending_pages"]

    con = connect(old)
    try:
        notices = ensure_schema(con)
        assert len(notices) == 1 and notices[0].startswith(
            f"moved {sum(len(v) for v in before.values()):,} stored responses into the raw store, once")
        after = {t: con.execute(f"SELECT * EXCLUDE (body), body::VARCHAR FROM raw.{t} ORDER BY ALL").fetchall()
                 for t in before}
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                 "WHERE table_schema = 'raw' AND table_name LIKE '%pages'").fetchall())
        bodies = con.execute("SELECT count(*) FROM raw.bodies").fetchall()[0][0]
        assert ensure_schema(con) == []  # once
    finally:
        con.close()
    assert after == before
    assert kinds == {"sam_pages": "VIEW", "usaspending_pages": "VIEW"}
    assert bodies == len(before["sam_pages"]) // 2 + len(before["usaspending_pages"]) // 2 + 1
