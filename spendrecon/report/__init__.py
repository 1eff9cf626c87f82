"""The run report: summary.md, findings.csv and report.html for one run, from the warehouse.

The warehouse is always opened read-only, so reporting never conflicts with analysts (or other
reports) reading the same file.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from spendrecon.report.findings_csv import render_csv
from spendrecon.report.html import render_html
from spendrecon.report.data import ReportData
from spendrecon.report.queries import ReportError, load_report, open_warehouse
from spendrecon.report.summary import render_markdown
from warehouse.as_of import warehouse_as_of

__all__ = ["ReportError", "read_summary", "summary_markdown", "write_report"]

LATEST = "latest"
SUMMARY = "summary.md"


def write_report(warehouse: Path, reports_dir: Path, run_id: str | None = None, *, as_written: bool = False) -> Path:
    """Open the warehouse read_only, write reports_dir/<run_id>/{summary.md, findings.csv, report.html}
    for run_id (default: the latest run with status 'succeeded' in meta.runs), point reports_dir/latest at
    it when it is the newest run, and return the run's folder. An earlier run's report is rebuilt as that
    run wrote it (warehouse/as_of.py) and leaves reports_dir/latest alone; ``as_written`` rebuilds the
    newest run's too (without it, the newest run's report shows the warehouse as it stands, reviews given
    since the run included). Raises ReportError if the warehouse does not exist or has no succeeded run /
    no such run."""
    data = _load(Path(warehouse), run_id)
    if data.run.run_id == LATEST:
        raise ReportError(f"run id {LATEST!r} would collide with the {LATEST!r} link in {reports_dir}")
    newest = data.run.is_latest
    if _rebuild(data, as_written):
        data = _as_written(Path(warehouse), data.run.run_id)
    reports_dir = Path(reports_dir)
    folder = reports_dir / data.run.run_id
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(folder / SUMMARY, render_markdown(data))
    _write_atomic(folder / "findings.csv", render_csv(data))
    _write_atomic(folder / "report.html", render_html(data))
    if newest:  # latest always means the newest run's report
        point_latest(reports_dir, data.run.run_id)
    return folder


def read_summary(folder: Path) -> str:
    """The summary.md that write_report wrote into folder: what a run shows as its Prefect artifact,
    without reading the warehouse a second time."""
    return (Path(folder) / SUMMARY).read_text(encoding="utf-8")


def summary_markdown(warehouse: Path, run_id: str | None = None, *, as_written: bool = False) -> str:
    """The summary.md text for run_id (default: the latest succeeded run), from the warehouse, as
    write_report would write it."""
    data = _load(Path(warehouse), run_id)
    if _rebuild(data, as_written):
        data = _as_written(Path(warehouse), data.run.run_id)
    return render_markdown(data)


def _rebuild(data: ReportData, as_written: bool) -> bool:
    """An earlier run is always rebuilt; the newest only when asked and when it recorded versions (before
    them, the warehouse as it stands is closer to what it wrote than its events are)."""
    return not data.run.is_latest or (as_written and data.run.versioned)


def _as_written(warehouse: Path, run_id: str) -> ReportData:
    with warehouse_as_of(warehouse, run_id) as past:
        return _load(past.path, run_id, from_events=not past.from_versions)


def _load(warehouse: Path, run_id: str | None, *, from_events: bool = False) -> ReportData:
    con = open_warehouse(warehouse)
    try:
        return load_report(con, run_id, from_events=from_events)
    finally:
        con.close()


def _write_atomic(path: Path, text: str) -> None:
    """Write beside the target and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # newline="": the renderers already chose their line endings; don't translate them.
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def point_latest(reports_dir: Path, run_folder_name: str) -> None:
    """Make reports_dir/latest a relative symlink to the run's folder, swapped in atomically.

    A relative target keeps the link valid when the reports folder is moved or mounted elsewhere.
    Where symlinks are unavailable (Windows without the privilege, some network shares), latest
    becomes a copy of the folder instead.
    """
    latest = reports_dir / LATEST
    tmp = reports_dir / f".{LATEST}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        os.symlink(run_folder_name, tmp, target_is_directory=True)
    except (OSError, NotImplementedError):
        _copy_latest(reports_dir / run_folder_name, latest)
        return
    try:
        if latest.is_dir() and not latest.is_symlink():
            shutil.rmtree(latest)  # a copy left by the fallback: os.replace cannot overwrite a directory
        os.replace(tmp, latest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_latest(source: Path, latest: Path) -> None:
    """Fallback without symlinks: copy beside, then swap with two renames (latest is missing only briefly)."""
    tag = uuid.uuid4().hex[:8]
    fresh = latest.with_name(f".{LATEST}.{tag}.new")
    old = latest.with_name(f".{LATEST}.{tag}.old")
    shutil.copytree(source, fresh)
    had_old = latest.is_symlink() or latest.exists()
    if had_old:
        os.replace(latest, old)
    os.replace(fresh, latest)
    if had_old:
        if old.is_symlink() or old.is_file():
            old.unlink()
        else:
            shutil.rmtree(old)
