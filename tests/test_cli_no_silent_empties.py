"""A typo gets an answer that says so, never an empty table; a review of nothing is refused."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli_testkit import demo_config
from spendrecon.cli import app


@pytest.fixture(scope="module")
def config(tmp_path_factory, demo_warehouse_path):
    return demo_config(tmp_path_factory.mktemp("demo"), demo_warehouse_path)


def test_an_unknown_program_is_named_with_the_closest_known_numbers(config):
    result = CliRunner().invoke(app, ["findings", "--program", "97.10", "--config", str(config)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error: program 97.10 is in neither SAM.gov nor USAspending data" in result.stderr
    assert "closest known: 97.102" in result.stderr
    known_but_quiet = CliRunner().invoke(app, ["findings", "--program", "97.102", "--fiscal-year", "2019",
                                               "--config", str(config)])
    assert known_but_quiet.exit_code == 0  # a known program with no findings that year is a real answer


def test_annotate_refuses_a_review_that_covers_no_finding(config):
    log = config.parent / "data" / "annotations.jsonl"
    before = log.read_bytes() if log.exists() else None
    result = CliRunner().invoke(app, ["annotate", "97.102", "2022", "--status", "accepted",
                                      "--rule", "amount_mismatch", "--config", str(config)])
    assert result.exit_code == 1
    assert ("error: 97.102 FY2022 has no amount_mismatch finding (its findings: actual_not_in_usaspending); "
            "nothing recorded") in result.stderr
    assert (log.read_bytes() if log.exists() else None) == before
    covered = CliRunner().invoke(app, ["annotate", "97.102", "2022", "--status", "accepted",
                                       "--config", str(config)])
    assert covered.exit_code == 0 and "covers 1 finding(s)" in covered.stdout
    assert log.read_text(encoding="utf-8").count("\n") == 1


def test_history_of_an_unknown_program_is_named_with_the_closest_known_numbers(config):
    result = CliRunner().invoke(app, ["history", "97.10", "--config", str(config)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1  # one error: line, nothing else
    assert "error: program 97.10 is in neither SAM.gov nor USAspending data" in result.stderr
    assert "closest known: 97.102" in result.stderr
    garbled = CliRunner().invoke(app, ["history", "abc", "--config", str(config)])
    assert garbled.exit_code == 1 and garbled.stderr.startswith("error: program abc is in neither")
    known = CliRunner().invoke(app, ["history", "97.102", "--config", str(config)])
    assert known.exit_code == 0 and "\n2022\tsam\tactual\t15000000.00\t" in known.stdout


def test_annotate_of_an_unknown_program_names_the_closest_known_numbers(config):
    log = config.parent / "data" / "annotations.jsonl"
    before = log.read_bytes() if log.exists() else None
    result = CliRunner().invoke(app, ["annotate", "97.10", "2022", "--status", "accepted", "--config", str(config)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: 97.10 FY2022 is not in recon.program_year; program 97.10 is in neither")
    assert "closest known: 97.102" in result.stderr and result.stderr.count("\n") == 1
    assert (log.read_bytes() if log.exists() else None) == before
    other_year = CliRunner().invoke(app, ["annotate", "97.102", "2005", "--status", "accepted", "--config", str(config)])
    assert other_year.exit_code == 1
    assert "error: 97.102 FY2005 is not in recon.program_year; check the program number" in other_year.stderr
