"""Text from a source or an analyst is shown as it is on the terminal: never read as rich markup
(issue 9, item 3). A note like `see ticket [/SR-12]` used to crash `findings`; `[link=...]` made a
live hyperlink."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rich.console import Console
from typer.testing import CliRunner

from archive_testkit import full_name, make_zip, txn
from cli_testkit import demo_config
from spendrecon import cli
from spendrecon.cli import archive as cli_archive
from spendrecon.config import load_settings
from spendrecon.annotate import annotate
from warehouse.annotations import Annotation

CLOSING_TAG = "see ticket [/SR-12]"
STYLED = "[red]x[/red] [link=https://evil.example]click[/link] :warning:"
HYPERLINK = "\x1b]8;"  # the terminal escape that starts a clickable link
RED = "\x1b[31m"


def _terminal(monkeypatch, module) -> Console:
    # rich's defaults (markup and emoji codes on): what is shown literally must not depend on them.
    screen = Console(force_terminal=True, width=250, record=True)
    monkeypatch.setattr(module, "out", screen)
    return screen


@pytest.fixture(scope="module")
def config(tmp_path_factory, demo_warehouse_path):
    return demo_config(tmp_path_factory.mktemp("demo"), demo_warehouse_path)


def test_analyst_notes_are_shown_literally_in_findings(config, monkeypatch):
    settings = load_settings(config, environ={})
    now = datetime.now(timezone.utc)
    annotate(settings, Annotation("97.102", 2022, "disputed", CLOSING_TAG, now, rule_id="actual_not_in_usaspending"))
    annotate(settings, Annotation("97.102", 2023, "needs-review", STYLED, now, rule_id="estimate_only"))
    screen = _terminal(monkeypatch, cli)
    result = CliRunner().invoke(app := cli.app, ["findings", "--program", "97.102", "--format", "table",
                                                 "--config", str(config)])
    assert result.exit_code == 0, result.output
    raw = screen.export_text(styles=True, clear=False)
    assert HYPERLINK not in raw and RED not in raw
    plain = screen.export_text()
    assert CLOSING_TAG in plain and STYLED in plain
    piped = CliRunner().invoke(app, ["findings", "--program", "97.102", "--config", str(config)])
    assert CLOSING_TAG in piped.stdout and STYLED in piped.stdout


def test_award_recipients_and_descriptions_are_shown_literally(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    zip_path = make_zip(tmp_path, full_name(2023, "20240415"), [
        txn("T1", "97.102", "5000000.10", recipient_name=STYLED,
            prime_award_base_transaction_description=CLOSING_TAG)])
    runner = CliRunner()
    assert runner.invoke(cli.app, ["ingest-archive", "--no-flow", str(zip_path)]).exit_code == 0
    screen = _terminal(monkeypatch, cli_archive)
    shown = runner.invoke(cli.app, ["awards", "--program", "97.102", "--fiscal-year", "2023", "-f", "table"])
    assert shown.exit_code == 0, shown.output
    assert HYPERLINK not in screen.export_text(styles=True, clear=False)
    text = screen.export_text()
    assert STYLED in text and CLOSING_TAG in text


def test_archive_file_names_and_warnings_are_shown_literally(monkeypatch):
    screen = _terminal(monkeypatch, cli_archive)
    name = "FY2023_All_Assistance_Full_20240101.zip"
    outcome = {"results": [{"file_name": name, "status": "loaded", "rows_loaded": 1, "rows_deleted": 0,
                            "rows_skipped": 0, "rows_quarantined": 0, "encoding": "utf-8", "seconds": 0.1,
                            "warnings": [f"part [/x]{STYLED}.csv read as latin-1"]}],
               "failed": "[bold]evil[/bold].zip", "error": "x", "not_attempted": [], "store": "s"}
    cli_archive._print_outcome(outcome)
    raw = screen.export_text(styles=True, clear=False)
    assert HYPERLINK not in raw
    text = screen.export_text()
    assert "[bold]evil[/bold].zip" in text and f"part [/x]{STYLED}.csv read as latin-1" in text
