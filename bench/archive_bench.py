"""Benchmark: Award Data Archive ingestion, four ways, side by side, on one synthetic archive.

1. spendrecon: the archive store's ingest of the zip (what each `ingest-archive` task runs, without
   Prefect's fixed start-up), then the per-program-year aggregate.
2. row by row, as the Federal Program Inventory does it (data_processing/transform.py): extract the
   zip, csv.DictReader (latin-1), one SQLite INSERT per row into its 8-column table keyed by the
   transaction key, one commit per file, then GROUP BY cfda_number, action_date_fiscal_year.
3. DuckDB's own read_csv of the already-extracted parts (extraction not counted), explicit types,
   computing the same aggregate as 1: the practical limit of a scan that stores nothing.
4. by hand, as a user would: extract the zip with Python's zipfile (timed), CREATE TABLE of the
   columns spendrecon stores from DuckDB's read_csv of the parts (explicit types), the same aggregate.

Beside them: the floor -- the zip inflated through spendrecon's own feeders and parsed by DuckDB
exactly as spendrecon parses it, with nothing stored; no ingest that inflates the zip and parses it
with DuckDB's CSV reader can beat it -- and insert_only, the floor plus a plain INSERT of the
stored columns (no checks, no quarantine): what storing the rows costs at the least.

Every method that reports rows, program-years and totals must report the same ones, or the run
fails. Each runs in a fresh subprocess so its peak RSS (from wait4) is its own.

    .venv/bin/python bench/archive_bench.py                 # 5,000,000 rows
    .venv/bin/python bench/archive_bench.py --rows 20000000 --only spendrecon,floor   # memory at 20M
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

METHODS = ("spendrecon", "rowwise", "duckdb_raw", "by_hand")
# Shown beside them: the raw scan with sums only (no distinct award counts); the floor -- the zip
# inflated and parsed exactly as spendrecon does it, with nothing stored; and the floor with a plain
# INSERT of the stored columns added (no checks): what storing the rows costs at the least.
EXTRA = ("duckdb_raw_sums", "floor", "insert_only")
RESULTS = ROOT / "bench" / "results.json"
# The same aggregate as staging.archive_program_year, straight from the CSV.
RAW_AGGREGATE = """
SELECT cfda_number, action_date_fiscal_year,
       sum(coalesce(generated_pragmatic_obligations,
                    CASE WHEN assistance_type_code IN ('07', '08', 'F003', 'F004')
                         THEN coalesce(original_loan_subsidy_cost, 0) ELSE coalesce(federal_action_obligation, 0) END)),
       sum(federal_action_obligation), sum(face_value_of_loan), sum(original_loan_subsidy_cost),
       count(*), count(DISTINCT assistance_award_unique_key)
FROM read_csv($files, columns = $columns, header = true, auto_detect = false)
GROUP BY ALL
"""


# --- the three methods (each runs in its own child process) ----------------------------------


# The same aggregate as staging.archive_program_year, over a table of the stored columns: counts and
# the two totals every method is checked on.
TABLE_AGGREGATE = """
SELECT count(*), sum(n), sum(fao), sum(obligations) FROM (
    SELECT count(*) AS n, count(DISTINCT assistance_award_unique_key) AS awards,
           sum(federal_action_obligation) AS fao,
           sum(coalesce(generated_pragmatic_obligations,
                        CASE WHEN assistance_type_code IN ('07', '08', 'F003', 'F004')
                             THEN coalesce(original_loan_subsidy_cost, 0)
                             ELSE coalesce(federal_action_obligation, 0) END)) AS obligations
    FROM {table} GROUP BY cfda_number, action_date_fiscal_year)
"""


def _totals(row: tuple[Any, ...] | None) -> dict[str, Any]:
    assert row is not None
    return {"program_years": int(row[0]), "rows": int(row[1]), "fao_total": str(row[2]), "obligations_total": str(row[3])}


def run_spendrecon(zip_path: Path, work: Path, workers: int) -> dict[str, Any]:
    from spendrecon.archive_ingest import ArchiveConfig, ingest_source
    from warehouse.archive.store import open_store

    store = work / "spendrecon_store.duckdb"
    for p in (store, store.with_name(store.name + ".wal")):
        p.unlink(missing_ok=True)
    cfg = ArchiveConfig(store=store, download_dir=work, workers=workers)
    t0, c0 = time.perf_counter(), time.process_time()
    result = ingest_source(str(zip_path), cfg)
    con = open_store(store, read_only=True)
    rows = con.execute("SELECT count(*), sum(transaction_count), sum(federal_action_obligation), sum(obligations) "
                       "FROM staging.archive_program_year").fetchone()
    con.close()
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu_s": cpu_s, **_totals(rows), "quarantined": result.rows_quarantined, "encoding": result.encoding}


def _stored_columns(header: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """read_csv's column spec for a part with the stored columns typed as the store types them
    (amounts DECIMAL(18,2), as anyone would write it by hand), and the SELECT list of those columns
    under their stored names."""
    from warehouse.archive.columns import READ_AMOUNT, SOURCES, STORED_AMOUNT

    columns = {c: "VARCHAR" for c in header}
    select = []
    for stored, (names, typ) in SOURCES.items():
        name = next((n for n in names if n in columns), None)
        if name is None:
            continue
        columns[name] = STORED_AMOUNT if typ == READ_AMOUNT else ("TIMESTAMP" if stored == "last_modified_date" else typ)
        select.append(f'"{name}" AS {stored}' if name != stored else stored)
    return columns, select


def run_by_hand(zip_path: Path, work: Path, threads: int) -> dict[str, Any]:
    """What a user would do by hand: unzip with Python's zipfile, CREATE TABLE of the columns
    spendrecon stores from DuckDB's read_csv of the parts (explicit types), the same aggregate."""
    import duckdb

    from warehouse.archive.reader import read_archive

    db = work / "by_hand.duckdb"
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    header = read_archive(zip_path).parts[0].header  # not timed: the user knows the layout
    columns, select = _stored_columns(header)
    t0, c0 = time.perf_counter(), time.process_time()
    extract_dir = Path(tempfile.mkdtemp(prefix="by_hand-", dir=work))
    try:
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(extract_dir)
        extract_s = time.perf_counter() - t0
        files = sorted(str(p) for p in extract_dir.glob("*.csv"))
        con = duckdb.connect(str(db))
        con.execute(f"SET threads = {threads}")
        con.execute(f"CREATE TABLE transactions AS SELECT {', '.join(select)} FROM read_csv($files, columns = $columns, "
                    "header = true, auto_detect = false)", {"files": files, "columns": columns})
        row = con.execute(TABLE_AGGREGATE.format(table="transactions")).fetchone()
        con.close()
        seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    finally:
        shutil.rmtree(extract_dir, ignore_errors=True)
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)
    return {"seconds": seconds, "cpu_s": cpu_s, "extract_s": round(extract_s, 2), **_totals(row)}


def run_insert_only(zip_path: Path, work: Path, workers: int) -> dict[str, Any]:
    """The floor plus storing: the zip inflated and parsed as spendrecon does it, the stored columns
    typed by the reader (amounts straight to DECIMAL(18,2): no digit check) and INSERTed as read
    into a fresh store's raw.archive_transactions (same types, same compression), committed, closed.
    No checks, no key normalisation, no quarantine, no repeated-key check: what storing the rows
    costs at the least, beside which spendrecon's own work is measured."""
    from warehouse.archive.ingest import batches
    from warehouse.archive.reader import PartFeed, default_transport, read_archive
    from warehouse.archive.store import open_store

    store = work / "insert_only.duckdb"
    for p in (store, store.with_name(store.name + ".wal")):
        p.unlink(missing_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    contents = read_archive(zip_path)
    con = open_store(store, threads=workers, memory_limit="1GB")
    con.execute("BEGIN TRANSACTION")
    with tempfile.TemporaryDirectory(prefix=".insert-", dir=work) as tmp:
        for batch in batches(list(contents.parts), workers + 1):
            selects, params = [], {}
            names: list[str] = []
            for i, part in enumerate(batch):
                columns, select = _stored_columns(part.header)
                names = [c.rsplit(" AS ", 1)[-1] for c in select]
                selects.append(f"SELECT {', '.join(select)}, 1 AS file_id, DATE '2024-04-15' AS file_date, "
                               f"{part.number} AS part FROM read_csv($path_{i}, columns = $columns_{i}, "
                               "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"')")
                params[f"columns_{i}"] = columns
            feed = PartFeed(contents.path, batch, Path(tmp), default_transport())
            with feed as paths:
                params.update({f"path_{i}": str(path) for i, path in enumerate(paths)})
                con.execute(f"INSERT INTO raw.archive_transactions ({', '.join(names)}, file_id, file_date, part) "
                            + " UNION ALL ".join(selects), params)
            feed.raise_for_errors()
    con.execute("COMMIT")
    rows = con.execute("SELECT count(*) FROM raw.archive_transactions").fetchone()
    con.close()
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    for p in (store, store.with_name(store.name + ".wal")):
        p.unlink(missing_ok=True)
    return {"seconds": seconds, "cpu_s": cpu_s, "rows": int(rows[0]) if rows else 0}


def run_rowwise(zip_path: Path, work: Path) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    extract_dir = Path(tempfile.mkdtemp(prefix="rowwise-", dir=work))
    db = work / "rowwise.sqlite"
    db.unlink(missing_ok=True)
    try:
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(extract_dir)
        con = sqlite3.connect(db)
        cur = con.cursor()
        cur.execute("""CREATE TABLE usaspending_assistance (
            assistance_transaction_unique_key NOT NULL PRIMARY KEY,
            assistance_award_unique_key, federal_action_obligation,
            total_outlayed_amount_for_overall_award, action_date_fiscal_year,
            prime_award_transaction_place_of_performance_cd_current,
            cfda_number, assistance_type_code)""")
        con.commit()
        for file in sorted(os.listdir(extract_dir)):
            with open(extract_dir / file, "r", encoding="latin-1") as f:
                for r in csv.DictReader(f):
                    cur.execute("INSERT INTO usaspending_assistance VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
                        r["assistance_transaction_unique_key"], r["assistance_award_unique_key"],
                        r["federal_action_obligation"], r["total_outlayed_amount_for_overall_award"],
                        r["action_date_fiscal_year"],
                        # FPI reads the place-of-performance district; our 92-column layout names the
                        # recipient's, the same kind of value.
                        r.get("prime_award_transaction_place_of_performance_cd_current",
                              r["prime_award_transaction_recipient_cd_current"]),
                        r["cfda_number"], r["assistance_type_code"]])
                con.commit()
        groups = cur.execute("SELECT cfda_number, action_date_fiscal_year, SUM(federal_action_obligation), COUNT(*) "
                             "FROM usaspending_assistance GROUP BY cfda_number, action_date_fiscal_year").fetchall()
        seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
        # Not timed: its SUM is a float, so the total is checked exactly in cents (SQLite's integer
        # sum) against the other methods'.
        cents = cur.execute("SELECT SUM(CAST(round(federal_action_obligation * 100) AS INTEGER)) "
                            "FROM usaspending_assistance").fetchone()
        con.close()
        return {"seconds": seconds, "cpu_s": cpu_s, "rows": sum(g[3] for g in groups), "program_years": len(groups),
                "fao_total": str(Decimal(cents[0] or 0).scaleb(-2)) if cents else None}
    finally:
        shutil.rmtree(extract_dir, ignore_errors=True)
        db.unlink(missing_ok=True)


def run_duckdb_raw(parts_dir: Path, threads: int, sums_only: bool = False) -> dict[str, Any]:
    import duckdb

    from warehouse.archive.columns import FULL_COLUMNS

    columns = {c: "VARCHAR" for c in FULL_COLUMNS}
    for c in ("federal_action_obligation", "original_loan_subsidy_cost", "face_value_of_loan",
              "generated_pragmatic_obligations"):
        columns[c] = "DECIMAL(18,2)"
    columns["action_date_fiscal_year"] = "INTEGER"
    files = sorted(str(p) for p in parts_dir.glob("*.csv"))
    t0, c0 = time.perf_counter(), time.process_time()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    sql = RAW_AGGREGATE.replace(", count(DISTINCT assistance_award_unique_key)", ", 0") if sums_only else RAW_AGGREGATE
    groups = con.execute(sql, {"files": files, "columns": columns}).fetchall()
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu_s": cpu_s, "rows": sum(g[6] for g in groups), "program_years": len(groups),
            "fao_total": str(sum((g[3] or 0) for g in groups)), "obligations_total": str(sum((g[2] or 0) for g in groups))}


def run_floor(zip_path: Path, work: Path, workers: int) -> dict[str, Any]:
    """The least any ingest built on DuckDB's CSV reader can do: inflate every part through the same
    feeders and pipes as spendrecon, parse it with the same column spec and batching, store nothing.
    Its speed-up over row by row bounds what spendrecon could reach on this machine."""
    import duckdb

    from warehouse.archive.reader import PartFeed, default_transport, read_archive
    # spendrecon's own batching and column spec, so the floor follows any change to them.
    from warehouse.archive.ingest import batches
    from warehouse.archive.parts import reader_columns

    t0, c0 = time.perf_counter(), time.process_time()
    contents = read_archive(zip_path)
    con = duckdb.connect()
    con.execute(f"SET threads = {workers}")
    rows = 0
    with tempfile.TemporaryDirectory(prefix=".floor-", dir=work) as tmp:
        for batch in batches(list(contents.parts), workers + 1):
            selects = [f"SELECT 1 FROM read_csv($path_{i}, columns = $columns_{i}, header = true, auto_detect = false, "
                       f"delim = ',', quote = '\"', escape = '\"')" for i in range(len(batch))]
            params: dict[str, Any] = {f"columns_{i}": reader_columns(p.header) for i, p in enumerate(batch)}
            feed = PartFeed(contents.path, batch, Path(tmp), default_transport())
            with feed as paths:
                params.update({f"path_{i}": str(path) for i, path in enumerate(paths)})
                row = con.execute(f"SELECT count(*) FROM ({' UNION ALL '.join(selects)})", params).fetchone()
            feed.raise_for_errors()
            rows += int(row[0]) if row else 0
    return {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "rows": rows}


# --- the parent: prepare, measure in children, report ----------------------------------------


def measure(method: str, args: argparse.Namespace, zip_path: Path, work: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", method, "--zip", str(zip_path),
           "--work", str(work), "--workers", str(args.workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{method} failed (exit {proc.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: KiB
    # CPU over the timed span, measured in the child as its seconds are (imports and start-up left
    # out); the whole child's, start-up included, beside it.
    result["cpu_s"] = round(result["cpu_s"], 2)
    result["cpu_s_process"] = round(usage.ru_utime + usage.ru_stime, 2)
    return result


def prepare_archive(rows: int, seed: int, part_rows: int, work_root: Path) -> tuple[Path, Path]:
    from generate_archive import PART_ROWS, archive_name, generate

    work = work_root / (f"rows{rows}_seed{seed}" + (f"_parts{part_rows}" if part_rows != PART_ROWS else ""))
    zip_path = work / archive_name(2023, "20240415")
    if not zip_path.exists():
        print(f"generating {rows:,} rows (seed {seed}) into {work} ...", flush=True)
        generate(rows, work, seed=seed, part_rows=part_rows)
    return work, zip_path


def extract_parts(zip_path: Path, work: Path) -> Path:
    """The raw DuckDB baseline starts from extracted parts (kept between runs)."""
    parts = work / "extracted"
    with zipfile.ZipFile(zip_path) as zf:
        wanted = [i for i in zf.infolist() if i.filename.endswith(".csv")]
        if not all((parts / i.filename).exists() and (parts / i.filename).stat().st_size == i.file_size for i in wanted):
            shutil.rmtree(parts, ignore_errors=True)
            parts.mkdir(parents=True)
            zf.extractall(parts, members=wanted)
    return parts


def _warm(paths: list[Path]) -> None:
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def machine() -> dict[str, Any]:
    import duckdb

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
        mem_gb = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": mem_gb, "os": platform.platform(),
            "python": platform.python_version(), "duckdb": duckdb.__version__,
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "load_average_before": list(os.getloadavg())}


CHECKED = ("rows", "program_years", "fao_total", "obligations_total")


def agreement(results: dict[str, dict[str, Any]]) -> tuple[bool, list[str]]:
    """Every method that reports a figure (rows, program-years, the two totals) reports the same one."""
    problems = []
    for key in CHECKED:
        values = {m: r[key] for m, r in results.items() if r.get(key) is not None}
        if len(set(values.values())) > 1:
            problems.append(f"{key}: " + ", ".join(f"{m} {v}" for m, v in values.items()))
    return not problems, problems


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    return round(a["seconds"] / b["seconds"], 2) if a and b else None


def report(args: argparse.Namespace, zip_path: Path, results: dict[str, dict[str, Any]], info: dict[str, Any]) -> dict[str, Any]:
    with zipfile.ZipFile(zip_path) as zf:
        csv_bytes = sum(i.file_size for i in zf.infolist())
    mb = csv_bytes / 1e6
    print(f"\n{args.rows:,} rows, {mb:,.0f} MB of CSV in a {zip_path.stat().st_size / 1e6:,.0f} MB zip "
          f"({csv_bytes / args.rows:.0f} bytes a row); {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB; "
          f"1-minute load {info['load_average_before'][0]:.2f} before")
    print(f"{'method':<16}{'seconds':>10}{'rows/s':>14}{'MB/s':>10}{'peak RSS MB':>13}{'CPU s':>9}")
    for m, r in results.items():
        print(f"{m:<16}{r['seconds']:>10.2f}{args.rows / r['seconds']:>14,.0f}{mb / r['seconds']:>10.1f}"
              f"{r['peak_rss_mb']:>13,.0f}{r['cpu_s']:>9.1f}")
    results_path: Path = args.results
    out: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {}
    s, h, f, i = (results.get(m) for m in ("spendrecon", "by_hand", "floor", "insert_only"))
    agree, problems = agreement(results)
    rows_key = str(args.rows)
    for m, r in results.items():
        out.setdefault(f"{m}_s_by_rows", {})[rows_key] = round(r["seconds"], 2)
        out.setdefault(f"{m}_peak_rss_mb_by_rows", {})[rows_key] = r["peak_rss_mb"]
    if s:
        out.setdefault("peak_rss_mb_by_rows", {})[rows_key] = s["peak_rss_mb"]
    if s and f:
        out.setdefault("ratio_to_floor_by_rows", {})[rows_key] = _ratio(s, f)
    run = {"date": info["date"], "rows": args.rows, "load_average_before": info["load_average_before"],
           "seconds": {m: round(r["seconds"], 2) for m, r in results.items()},
           "cpu_s": {m: r["cpu_s"] for m, r in results.items()},
           "peak_rss_mb": {m: r["peak_rss_mb"] for m, r in results.items()},
           "ratio_to_by_hand": _ratio(s, h), "ratio_to_floor": _ratio(s, f),
           "insert_only_to_floor": _ratio(i, f), "results_agree": agree}
    # Every run is kept (the last 20), so the spread between runs can be read back.
    out["runs"] = (out.get("runs", []) + [run])[-20:]
    if all(m in results for m in METHODS):
        r, d = results["rowwise"], results["duckdb_raw"]
        out.update({
            "rows": args.rows,
            "spendrecon_s": round(s["seconds"], 2),
            "rowwise_s": round(r["seconds"], 2),
            "duckdb_raw_s": round(d["seconds"], 2),
            "by_hand_s": round(h["seconds"], 2),
            "by_hand_extract_s": h["extract_s"],
            "spendrecon_peak_rss_mb": s["peak_rss_mb"],
            "by_hand_peak_rss_mb": h["peak_rss_mb"],
            "speedup_vs_rowwise": round(r["seconds"] / s["seconds"], 1),
            "ratio_to_duckdb_raw": round(s["seconds"] / d["seconds"], 2),
            "ratio_to_by_hand": _ratio(s, h),
            "rowwise_peak_rss_mb": r["peak_rss_mb"],
            "duckdb_raw_peak_rss_mb": d["peak_rss_mb"],
            "cpu_s": {m: results[m]["cpu_s"] for m in results},
            "peak_rss_mb": {m: results[m]["peak_rss_mb"] for m in results},
            "csv_mb": round(mb, 1),
            "zip_mb": round(zip_path.stat().st_size / 1e6, 1),
            "bytes_per_row": round(csv_bytes / args.rows),
            "rows_per_s": {m: round(args.rows / results[m]["seconds"]) for m in METHODS},
            "mb_per_s": {m: round(mb / results[m]["seconds"], 1) for m in METHODS},
            "results_agree": agree,
            "duckdb_raw_sums_s": round(results["duckdb_raw_sums"]["seconds"], 2) if "duckdb_raw_sums" in results else None,
            "floor_s": round(f["seconds"], 2) if f else None,
            "ratio_to_floor": _ratio(s, f),
            "floor_speedup_vs_rowwise": round(r["seconds"] / f["seconds"], 1) if f else None,
            "insert_only_s": round(i["seconds"], 2) if i else None,
            "insert_only_to_floor": _ratio(i, f),
            "workers": args.workers,
            "machine": info,
        })
        print(f"\nspendrecon vs row by row: {out['speedup_vs_rowwise']}x faster (target >= 15x)")
        print(f"spendrecon vs raw DuckDB scan: {out['ratio_to_duckdb_raw']}x the time (target <= 2.5x)")
        if f:
            print(f"floor (inflate + parse, nothing stored) vs row by row: {out['floor_speedup_vs_rowwise']}x faster "
                  "-- the most any ingest on DuckDB's CSV reader reaches on this machine")
    print()
    if s and h:
        print(f"spendrecon vs by_hand (unzip {h['extract_s']:.2f} s, CREATE TABLE from read_csv, aggregate: "
              f"{h['seconds']:.2f} s, peak {h['peak_rss_mb']:,.0f} MB): {_ratio(s, h)}x the time (target <= 1.0x)")
    if s and f:
        print(f"spendrecon vs the floor: {_ratio(s, f)}x the time (target <= 1.5x)")
    if i and f:
        print(f"insert_only (floor + plain INSERT of the stored columns, no checks) vs the floor: {_ratio(i, f)}x; "
              f"spendrecon vs insert_only: {_ratio(s, i)}x" if s else f"insert_only vs the floor: {_ratio(i, f)}x")
    print(f"methods agree on {', '.join(CHECKED)}: {'yes' if agree else 'NO'}")
    for problem in problems:
        print(f"  differs -- {problem}")
    if s:
        print(f"spendrecon peak memory: {s['peak_rss_mb']:,.0f} MB (target < 2,048)")
    out["machine_last_run"] = info
    results_path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {results_path}")
    if not agree:
        raise SystemExit("the methods disagree (above): the figures are not comparable")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--part-rows", type=int, default=1_000_000, help="rows per _N.csv part (real archives: 1,000,000)")
    ap.add_argument("--work-root", type=Path, default=ROOT / "bench" / "work",
                    help="where generated archives are kept between runs")
    ap.add_argument("--results", type=Path, default=RESULTS, help="JSON file the figures are merged into")
    ap.add_argument("--workers", type=int, default=2, help="spendrecon workers and DuckDB threads (raw scan)")
    ap.add_argument("--only", default=",".join(METHODS + EXTRA),
                    help="comma-separated subset of " + ", ".join(METHODS + EXTRA))
    ap.add_argument("--child", choices=METHODS + EXTRA, help=argparse.SUPPRESS)
    ap.add_argument("--zip", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        if args.child == "spendrecon":
            result = run_spendrecon(args.zip, args.work, args.workers)
        elif args.child == "rowwise":
            result = run_rowwise(args.zip, args.work)
        elif args.child == "floor":
            result = run_floor(args.zip, args.work, args.workers)
        elif args.child == "by_hand":
            result = run_by_hand(args.zip, args.work, args.workers)
        elif args.child == "insert_only":
            result = run_insert_only(args.zip, args.work, args.workers)
        else:
            result = run_duckdb_raw(args.work / "extracted", args.workers, sums_only=args.child == "duckdb_raw_sums")
        print(json.dumps(result))
        return 0

    methods = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = set(methods) - set(METHODS + EXTRA)
    if unknown:
        ap.error(f"--only: unknown {', '.join(sorted(unknown))}")
    info = machine()
    work, zip_path = prepare_archive(args.rows, args.seed, args.part_rows, args.work_root)
    if any(m.startswith("duckdb_raw") for m in methods):
        extract_parts(zip_path, work)
    results: dict[str, dict[str, Any]] = {}
    for m in METHODS + EXTRA:
        if m in methods:
            # Every method starts from a warm file cache (the zip, or the extracted parts for the raw
            # scan): the comparison is of work done, not of this disk. Dirty pages a method left
            # behind (the row-by-row baseline writes 4 GB) are flushed before the next one starts.
            os.sync()
            _warm(sorted((work / "extracted").glob("*.csv")) if m.startswith("duckdb_raw") else [zip_path])
            print(f"measuring {m} ...", flush=True)
            results[m] = measure(m, args, zip_path, work)
            print(f"  {results[m]['seconds']:.2f} s, peak RSS {results[m]['peak_rss_mb']:,.0f} MB", flush=True)
    info["load_average_after"] = list(os.getloadavg())
    report(args, zip_path, results, info)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
