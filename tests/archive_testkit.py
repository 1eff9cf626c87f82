"""Tiny Award Data Archive files for tests: real zip layout, real 92-column headers, a few rows."""
from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warehouse.archive.columns import DELTA_COLUMNS, FULL_COLUMNS


def txn(key: str, program: str = "97.102", amount: str | None = "100.00", *, fy: int = 2023,
        action_date: str | None = None, type_code: str = "04", award: str | None = None,
        pragmatic: str | None = "same", face: str = "", subsidy: str = "", **other: str) -> dict[str, str]:
    """One transaction row; ``pragmatic='same'`` copies what the API would compute."""
    award = award or f"ASST_NON_{key}_7022"
    row = {
        "assistance_transaction_unique_key": key,
        "assistance_award_unique_key": award,
        "federal_action_obligation": "" if amount is None else amount,
        "face_value_of_loan": face,
        "original_loan_subsidy_cost": subsidy,
        "action_date": f"{fy - 1}-11-15" if action_date is None else action_date,
        "action_date_fiscal_year": str(fy),
        "cfda_number": program,
        "cfda_title": f"Program {program}",
        "assistance_type_code": type_code,
        "awarding_agency_code": "070",
        "awarding_agency_name": "Department of Homeland Security",
        "recipient_name": f"RECIPIENT {key}",
        "transaction_description": f"DESCRIPTION OF {key}",
        "prime_award_base_transaction_description": f"AWARD DESCRIPTION OF {award}",
        "record_type_code": "2",
        "last_modified_date": "2023-01-05 10:00:00.000000+00",
    }
    if pragmatic == "same":
        loan = type_code in ("07", "08", "F003", "F004")
        row["generated_pragmatic_obligations"] = (subsidy or "0") if loan else (amount or "0")
    elif pragmatic is not None:
        row["generated_pragmatic_obligations"] = pragmatic
    row.update(other)
    return row


def delete_row(key: str, program: str = "97.102", last_modified: str = "2024-02-01 00:00:00+00") -> dict[str, str]:
    """A Delta D row: only the key columns are filled."""
    return {"correction_delete_ind": "D", "assistance_transaction_unique_key": key, "cfda_number": program,
            "award_id_fain": key.split("_")[0], "last_modified_date": last_modified}


def csv_bytes(rows: Sequence[dict[str, str]], columns: Sequence[str], *, encoding: str = "utf-8",
              extra_lines: Sequence[str] = ()) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    for line in extra_lines:
        out.write(line + "\n")
    return out.getvalue().encode(encoding)


def make_zip(folder: Path, name: str, parts: Sequence[Sequence[dict[str, str]]] | Sequence[dict[str, str]], *,
             columns: Sequence[str] | None = None, encoding: str = "utf-8",
             extra_lines: Sequence[str] = ()) -> Path:
    """Write ``name`` with one CSV part per list of rows (a flat list of rows makes one part).
    Delta files get the correction_delete_ind column first, as the generator writes it."""
    if parts and isinstance(parts[0], dict):
        parts = [parts]  # type: ignore[list-item]
    if columns is None:
        columns = DELTA_COLUMNS if "_Delta_" in name else FULL_COLUMNS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    stem = name[:-4]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, rows in enumerate(parts, 1):
            lines = extra_lines if n == len(parts) else ()
            zf.writestr(f"{stem}_{n}.csv", csv_bytes(rows, columns, encoding=encoding, extra_lines=lines))  # type: ignore[arg-type]
    return path


def full_name(fy: int, day: str) -> str:
    return f"FY{fy}_All_Assistance_Full_{day}.zip"


def delta_name(day: str) -> str:
    return f"FY(All)_All_Assistance_Delta_{day}.zip"


class LocalServer:
    """An HTTP server on 127.0.0.1 (a free port) for the length of a ``with`` block: downloads are
    tested over a real socket, and no test touches the internet. Subclasses supply the handler."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
