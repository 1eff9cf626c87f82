"""An analyst's review survives every later run, and even a warehouse rebuilt from nothing."""
from datetime import datetime, timedelta, timezone

import duckdb
import pytest
from typer.testing import CliRunner

from spendrecon.cli import app
from spendrecon.config import load_settings
from spendrecon.findings_query import FindingFilter, query_findings
from spendrecon.annotate import annotate
from spendrecon.pipeline import plan_run
from spendrecon.run_errors import RunError
from warehouse.annotations import Annotation, AnnotationError, append_log, read_log

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def _settings(tmp_path):
    return load_settings(None, overrides={"fiscal_years": [2019, 2020, 2021, 2022, 2023],
                                          "warehouse": str(tmp_path / "w.duckdb"),
                                          "data_dir": str(tmp_path / "data"),
                                          "reports_dir": str(tmp_path / "reports")}, environ={})


def _seed(settings, **where):
    rows = query_findings(settings.warehouse_path, FindingFilter(program="97.102", include_resolved=True))
    return {(r["fiscal_year"], r["rule_id"]): r for r in rows}


def test_a_review_survives_later_runs_and_a_rebuild(demo_warehouse_copy, run_flow, tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    covered = annotate(settings, Annotation("97.102", 2022, "accepted", "Obligated in FY2023 per DHS", NOW))
    assert covered == 1
    assert _seed(settings)[(2022, "actual_not_in_usaspending")]["review_status"] == "accepted"

    run_flow(plan_run(settings, demo=True))
    f = _seed(settings)[(2022, "actual_not_in_usaspending")]
    assert (f["review_status"], f["review_note"], f["status"]) == ("accepted", "Obligated in FY2023 per DHS", "open")

    settings.warehouse_path.unlink()
    run_flow(plan_run(settings, demo=True))
    assert _seed(settings)[(2022, "actual_not_in_usaspending")]["review_status"] == "accepted"


def test_the_latest_review_wins_and_a_rule_specific_one_applies_to_that_rule_only(demo_warehouse_copy, tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    annotate(settings, Annotation("97.102", 2023, "needs-review", "ask the agency", NOW))
    annotate(settings, Annotation("97.102", 2023, "disputed", "SAM.gov estimate is stale", NOW + timedelta(minutes=1),
                                  rule_id="estimate_only"))
    f = _seed(settings)
    assert f[(2023, "estimate_only")]["review_status"] == "disputed"
    assert f[(2023, "obligations_not_in_sam")]["review_status"] == "needs-review"


def test_bad_reviews_are_refused_before_anything_is_written(demo_warehouse_copy, tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    with pytest.raises(AnnotationError, match="status must be one of accepted, disputed, needs-review"):
        Annotation("97.102", 2022, "maybe", None, NOW)
    with pytest.raises(RunError, match="97.999 FY2022 is not in recon.program_year"):
        annotate(settings, Annotation("97.999", 2022, "accepted", None, NOW))
    assert not (tmp_path / "data" / "annotations.jsonl").exists()


def test_a_corrupt_annotations_file_names_the_line_and_the_run_goes_on(run_flow, tmp_path):
    # A scheduled run must not die on one broken line: it names file and line among its warnings
    # (meta.runs.warnings, the report) and applies every other review.
    settings = _settings(tmp_path)
    log = tmp_path / "data" / "annotations.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text('{"program_number": "97.102"}\n')

    run = run_flow(plan_run(settings, demo=True))
    assert run.status == "succeeded"
    assert any(f"{log}:1: not a valid annotation" in w for w in run.warnings), run.warnings
    stored = _run_warnings(settings, run.run_id)
    assert any(f"{log}:1: not a valid annotation (no 'fiscal_year' key)" in w for w in stored), stored


def _run_warnings(settings, run_id):
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute("SELECT warnings FROM meta.runs WHERE run_id = $r", {"r": run_id}).fetchone()[0]
    finally:
        con.close()


LINE_BREAKING = "FEMA says\u2028see memo\u2029and\u0085more\nnew\rline\x0bvt\x0cff\x1cfs\x1dgs\x1ers end"


def test_a_note_with_unicode_line_separators_reads_back_and_later_runs_go_on(demo_warehouse_copy, run_flow, tmp_path):
    # spendrecon annotate 97.102 2022 --status disputed --note $'FEMA says\u2028see memo' used to
    # write a line that split in two on reading, failing every later annotate and run.
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    annotate(settings, Annotation("97.102", 2022, "disputed", LINE_BREAKING, NOW, author="Zoë\u2028Ng"))
    annotate(settings, Annotation("97.102", 2023, "accepted", "fine", NOW))
    run = run_flow(plan_run(settings, demo=True))

    assert run.warnings == []
    f = _seed(settings)
    assert f[(2022, "actual_not_in_usaspending")]["review_note"] == LINE_BREAKING
    assert f[(2022, "actual_not_in_usaspending")]["review_status"] == "disputed"
    assert f[(2023, "estimate_only")]["review_status"] == "accepted"
    raw = (tmp_path / "data" / "annotations.jsonl").read_bytes()
    # One review per line however the file is split, by us or by any other tool.
    assert raw.count(b"\n") == 2 and len(raw.decode("utf-8").splitlines()) == 2
    assert "Zoë".encode() in raw  # readable, not \u-escaped wholesale


def test_an_append_after_a_hand_edit_without_a_final_newline_starts_its_own_line(demo_warehouse_copy, tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    log = tmp_path / "data" / "annotations.jsonl"
    edited = ('{"program_number": "97.102", "fiscal_year": 2022, "status": "accepted", "note": "by hand", '
              '"annotated_at": "2026-11-27T11:00:00+00:00"}')
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(edited)  # no final newline, as many editors save

    annotate(settings, Annotation("97.102", 2023, "needs-review", "ask the agency", NOW))
    assert log.read_text().startswith(edited + "\n")
    f = _seed(settings)
    assert f[(2022, "actual_not_in_usaspending")]["review_note"] == "by hand"
    assert f[(2023, "estimate_only")]["review_note"] == "ask the agency"


def test_bad_lines_are_named_skipped_and_kept_while_every_other_review_applies(demo_warehouse_copy, run_flow,
                                                                             tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    log = tmp_path / "data" / "annotations.jsonl"
    good = ('{"program_number": "97.102", "fiscal_year": 2022, "status": "accepted", "note": "ok", '
            '"annotated_at": "2026-11-27T11:00:00+00:00"}\n')
    content = (good.encode()
               + b'{"program_number": "97.102", "fiscal_year": 2023, "status": "acc\n'  # cut off by a crash
               + b'[1, 2]\n'
               + b'{"program_number": "97.102", "fiscal_year": 1e400, "status": "accepted", '
                 b'"annotated_at": "2026-11-27T11:00:00+00:00"}\n'
               + b'{"program_number": "97.102", "fiscal_year": 2023, "status": "accepted", "note": 5, '
                 b'"annotated_at": "2026-11-27T11:00:00+00:00"}\n'
               + b'{"program_number": "caf\xe9"}\n'  # latin-1 from an old editor
               + b'\n')
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(content)

    annotate(settings, Annotation("97.102", 2023, "needs-review", "still works", NOW))
    assert [a.note for a in read_log(log).annotations] == ["ok", "still works"]
    run = run_flow(plan_run(settings, demo=True))
    assert run.status == "succeeded"
    named = sorted(int(w.split(f"{log}:")[1].split(":")[0]) for w in _run_warnings(settings, run.run_id)
                   if f"{log}:" in w)
    assert named == [2, 3, 4, 5, 6]
    f = _seed(settings)
    assert f[(2022, "actual_not_in_usaspending")]["review_note"] == "ok"
    assert log.read_bytes().startswith(content)  # nothing rewritten or dropped
    assert log.read_bytes().count(b"\n") == content.count(b"\n") + 1


def test_a_file_saved_with_a_byte_order_mark_and_crlf_line_ends_reads_as_written(tmp_path):
    log = tmp_path / "annotations.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + b'{"program_number": "97.102", "fiscal_year": 2022, "status": "accepted", '
                    b'"note": "Notepad", "annotated_at": "2026-11-27T11:00:00+00:00"}\r\n')
    append_log(log, Annotation("97.102", 2023, "disputed", "after", NOW))
    read = read_log(log)
    assert read.problems == []
    assert [(a.fiscal_year, a.note) for a in read.annotations] == [(2022, "Notepad"), (2023, "after")]


def test_the_cli_annotate_warns_about_bad_lines_and_still_records(run_flow, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in ("SPENDRECON_WAREHOUSE", "SPENDRECON_SAM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings(None, overrides={"fiscal_years": [2019, 2020, 2021, 2022, 2023]}, environ={})
    run_flow(plan_run(settings, demo=True))
    log = tmp_path / "data" / "annotations.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("not json at all\n")

    done = CliRunner().invoke(app, ["annotate", "97.102", "2022", "--status", "disputed",
                                    "--note", "FEMA says\u2028see memo"])
    assert done.exit_code == 0, done.output
    assert f"warning: {log}:1: not a valid annotation" in done.stderr
    again = CliRunner().invoke(app, ["annotate", "97.102", "2023", "--status", "accepted"])
    assert again.exit_code == 0, again.output
    assert _seed(settings)[(2022, "actual_not_in_usaspending")]["review_note"] == "FEMA says\u2028see memo"


def test_a_review_that_cannot_be_stored_is_refused_before_anything_is_written(demo_warehouse_copy, tmp_path):
    settings = _settings(tmp_path)
    demo_warehouse_copy(settings.warehouse_path)  # the starting warehouse: one demo run
    # What Python makes of a note typed in a non-UTF-8 terminal: a lone surrogate.
    with pytest.raises(AnnotationError, match="note is not valid text"):
        annotate(settings, Annotation("97.102", 2022, "accepted", "caf\udce9", NOW))
    with pytest.raises(AnnotationError, match="fiscal_year must be a four-digit year"):
        Annotation("97.102", True, "accepted", None, NOW)
    assert not (tmp_path / "data" / "annotations.jsonl").exists()
