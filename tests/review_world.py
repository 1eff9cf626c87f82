"""A small warehouse file behind a spendrecon.yaml, for tests of reviews and switched-off rules: runs are
made the way publish makes them (history_fixtures.run, then the reviews mirrored and recon.agency_year
built, as publish does after the merge), and read and reviewed through the real CLI."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from history_fixtures import Amount, listing, run
from spendrecon.cli import app
from spendrecon.config import Settings, load_settings
from warehouse.annotations import read_log, sync_annotations
from warehouse.db import connect, ensure_schema, run_file
from warehouse.findings import FindingCounts
from warehouse.rules.registry import Rule, load_rules

FIRST_RUN = datetime(2026, 11, 2, 6, 0)  # a run a day from here; FY2021-FY2023 are all complete


class World:
    """``tmp_path`` as a project folder: spendrecon.yaml, data/annotations.jsonl, w.duckdb."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str = "") -> None:
        self.folder = tmp_path
        monkeypatch.chdir(tmp_path)
        for var in ("SPENDRECON_WAREHOUSE", "SPENDRECON_SAM_BASE_URL", "SPENDRECON_USASPENDING_BASE_URL"):
            monkeypatch.delenv(var, raising=False)
        (tmp_path / "spendrecon.yaml").write_text("warehouse: w.duckdb\ndata_dir: data\nreports_dir: reports\n"
                                                  + config, encoding="utf-8")
        self.runs = 0

    @property
    def settings(self) -> Settings:
        return load_settings(self.folder / "spendrecon.yaml", environ={})

    @property
    def path(self) -> Path:
        return self.settings.warehouse_path

    def run(self, run_id: str, sam: Mapping[tuple[str, int], Amount], usaspending: Mapping[tuple[str, int], Amount],
            *, rules: Sequence[Rule] | None = None) -> FindingCounts:
        """One run: SAM.gov's actual per (ALN, fiscal year) (one F001 line each), USAspending's obligations."""
        started = FIRST_RUN + timedelta(days=self.runs)
        self.runs += 1
        lines: dict[str, dict[tuple[int, str], tuple[Amount, Amount]]] = {}
        for (number, fy), actual in sam.items():
            lines.setdefault(number, {})[(fy, "F001")] = (None, actual)
        con = connect(self.path)
        try:
            ensure_schema(con)
            counts, _ = run(con, run_id, [listing(n, ls) for n, ls in lines.items()], usaspending, rules=rules,
                            now=started)
            con.execute("UPDATE meta.runs SET finished_at = started_at + INTERVAL 1 MINUTE WHERE run_id = $r",
                        {"r": run_id})
            reviews = self.settings.reviews
            sync_annotations(con, read_log(self.settings.annotations_path).annotations,
                             abs_tolerance=reviews.abs_tolerance, rel_tolerance=reviews.rel_tolerance)
            run_file(con, "recon_agency_year")
        finally:
            con.close()
        return counts

    def cli(self, *args: str) -> str:
        done = CliRunner().invoke(app, list(args))
        assert done.exit_code == 0, (done.output, done.exception)
        return done.stdout

    def findings(self, *args: str) -> list[dict[str, Any]]:
        return json.loads(self.cli("findings", *args, "--format", "json"))

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.settings.annotations_path.read_text(encoding="utf-8").splitlines()]

    def append_line(self, line: Mapping[str, Any]) -> None:
        path = self.settings.annotations_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        con = connect(self.path, read_only=True)
        try:
            return con.execute(sql, params or {}).fetchall()
        finally:
            con.close()


def switched_off(rule_id: str) -> list[Rule]:
    """Every rule, with ``rule_id`` disabled (rules.<id>.enabled: false)."""
    return load_rules({rule_id: {"enabled": False}})


_PAYLOAD = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def page_findings(report_folder: Path) -> list[dict[str, Any]]:
    """The findings report.html embeds, as its script reads them."""
    match = _PAYLOAD.search((report_folder / "report.html").read_text(encoding="utf-8"))
    assert match, "report.html embeds no report data"
    table = json.loads(match.group(1))["findings"]
    return [dict(zip(table["cols"], row)) for row in table["rows"]]
