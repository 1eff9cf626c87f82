"""Applying Award Data Archive files: Full files, Deltas, order, keys, loans."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive_testkit import delete_row, delta_name, full_name, make_zip, txn
from connectors.records import ingest_order, parse_archive_name
from warehouse.archive.columns import FULL_COLUMNS
from warehouse.archive.ingest import StepClock, ingest_file
from warehouse.archive.queries import program_years, top_transactions
from warehouse.archive.store import ArchiveStoreError, open_store


def _store(tmp_path: Path, name: str = "store.duckdb"):  # type: ignore[no-untyped-def]
    return open_store(tmp_path / name, threads=2, memory_limit="512MB")


def _totals(con, years=(2022, 2023, 2024)) -> dict[tuple[str, int], tuple]:  # type: ignore[no-untyped-def]
    return {(r["program_number"], r["fiscal_year"]): (r["obligations"], r["federal_action_obligation"],
                                                      r["loan_face_value"], r["loan_subsidy_cost"],
                                                      r["transaction_count"], r["award_count"])
            for r in program_years(con, list(years))}


def _keys(con) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(con.execute("SELECT assistance_transaction_unique_key, federal_action_obligation::VARCHAR "
                            "FROM raw.archive_transactions").fetchall())


def test_full_then_deltas_equals_the_full_file_of_the_final_state(tmp_path: Path) -> None:
    src = tmp_path / "src"
    full_2023 = [txn("A_1", amount="100.00"), txn("b_2", amount="200.00"), txn("C_3", amount="-30.00"),
                 txn("D_4", program="10.001", amount="400.00"),
                 txn("L_5", program="59.012", type_code="07", amount=None, face="1000000.00", subsidy="12000.00")]
    full_2022 = [txn("E_5", amount="50.00", fy=2022), txn("F_6", program="10.001", amount="60.00", fy=2022)]
    delta_1 = [
        {"correction_delete_ind": "C", **txn("B_2", amount="250.00")},          # changed
        {"correction_delete_ind": "", **txn("G_7", amount="70.00")},            # new
        {"correction_delete_ind": "C", **txn("E_5", amount="55.00", fy=2022)},  # a change to another year
        delete_row("C_3"),
    ]
    delta_2 = [
        {"correction_delete_ind": "C", **txn("G_7", amount="75.00")},
        {"correction_delete_ind": "", **txn("H_8", program="10.001", amount="80.00")},
        {"correction_delete_ind": "C", **txn("L_5", program="59.012", type_code="07", amount=None,
                                              face="900000.00", subsidy="-5000.00")},
        delete_row("a_1"),   # lower-case in the file, upper-cased like every key
        delete_row("F_6", program="10.001"),
    ]
    final_2023 = [txn("B_2", amount="250.00"), txn("D_4", program="10.001", amount="400.00"),
                  txn("G_7", amount="75.00"), txn("H_8", program="10.001", amount="80.00"),
                  txn("L_5", program="59.012", type_code="07", amount=None, face="900000.00", subsidy="-5000.00")]
    final_2022 = [txn("E_5", amount="55.00", fy=2022)]

    con = _store(tmp_path)
    files = [make_zip(src, delta_name("20240315"), delta_2), make_zip(src, full_name(2023, "20240115"), full_2023),
             make_zip(src, delta_name("20240215"), delta_1), make_zip(src, full_name(2022, "20240115"), full_2022)]
    for name in ingest_order(parse_archive_name(f.name) for f in files):
        ingest_file(con, src / name.file_name)

    reference = _store(tmp_path, "reference.duckdb")
    ingest_file(reference, make_zip(tmp_path / "final", full_name(2023, "20240401"), final_2023))
    ingest_file(reference, make_zip(tmp_path / "final", full_name(2022, "20240401"), final_2022))

    assert _totals(con) == _totals(reference)
    assert _keys(con) == _keys(reference)
    assert _totals(con)[("59.012", 2023)][:4] == (-5000, None, 900000, -5000)


def test_deletes_carry_only_key_columns_and_are_not_quarantined(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1"), txn("B_2")]))
    result = ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [delete_row("A_1")]))
    assert result.rows_quarantined == 0
    assert result.rows_deleted == 1 and result.rows_loaded == 0
    assert set(_keys(con)) == {"B_2"}


def test_c_and_blank_rows_replace_by_key(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1", amount="10.00"), txn("B_2")]))
    result = ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [
        {"correction_delete_ind": "C", **txn("a_1", amount="11.00")},
        {"correction_delete_ind": "", **txn("B_2", amount="22.00")},
    ]))
    assert result.rows_loaded == 2 and result.rows_deleted == 2
    assert _keys(con) == {"A_1": "11.00", "B_2": "22.00"}


def test_keys_are_upper_cased(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("7022_abc_-none-_97.102_1", award="asst_non_abc_7022")]))
    row = con.execute("SELECT assistance_transaction_unique_key, assistance_award_unique_key "
                      "FROM raw.archive_transactions").fetchone()
    assert row == ("7022_ABC_-NONE-_97.102_1", "ASST_NON_ABC_7022")


def test_keys_and_program_numbers_lose_edge_spaces_of_every_kind(tmp_path: Path) -> None:
    # Plain ASCII keys skip trim (parts.trimmed); anything trim could change still goes through it:
    # edge spaces, no-break and ideographic spaces, and non-ASCII text, whose upper case is Unicode's.
    nbsp, ideographic = "\u00a0", "\u3000"
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [
        txn("  k_1 ", award=f"{nbsp}asst_k_7022{ideographic}", program=" 97.102 "),
        txn("k_2\tx", award="asst_é_7022", program=f"{nbsp}10.001"),
        txn("K_3", award="ASST K 7022", program="10.001"),
    ]))
    rows = con.execute("SELECT assistance_transaction_unique_key, assistance_award_unique_key, cfda_number "
                       "FROM raw.archive_transactions ORDER BY 1").fetchall()
    assert rows == [("K_1", "ASST_K_7022", "97.102"), ("K_2\tX", "ASST_É_7022", "10.001"),
                    ("K_3", "ASST K 7022", "10.001")]


def test_files_apply_fulls_first_then_deltas_by_date() -> None:
    names = [delta_name("20240315"), full_name(2023, "20240401"), delta_name("20240215"), full_name(2022, "20240115")]
    ordered = [n.file_name for n in ingest_order(parse_archive_name(n) for n in names)]
    assert ordered == [full_name(2022, "20240115"), full_name(2023, "20240401"),
                       delta_name("20240215"), delta_name("20240315")]


def test_a_delta_older_than_one_applied_is_refused(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1")]))
    ingest_file(con, make_zip(tmp_path, delta_name("20240315"), [delete_row("A_1")]))
    with pytest.raises(ArchiveStoreError, match="Delta dated 2024-03-15 is already applied"):
        ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [{"correction_delete_ind": "", **txn("Z_9")}]))
    assert _keys(con) == {}


def test_an_older_full_file_for_a_year_is_refused(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240415"), [txn("A_1")]))
    with pytest.raises(ArchiveStoreError, match="already holds a Full file dated 2024-04-15"):
        ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("B_2")]))


def test_the_same_file_is_skipped_by_name_and_checksum(tmp_path: Path) -> None:
    con = _store(tmp_path)
    path = make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1")])
    assert ingest_file(con, path).status == "loaded"
    again = ingest_file(con, path)
    assert again.status == "skipped" and "same name and checksum" in again.message
    assert con.execute("SELECT count(*) FROM meta.archive_files").fetchone() == (1,)
    other = make_zip(tmp_path / "other", full_name(2023, "20240115"), [txn("B_2")])
    with pytest.raises(ArchiveStoreError, match="checksums differ"):
        ingest_file(con, other)


def test_a_newer_full_file_replaces_its_fiscal_year_only(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2022, "20240115"), [txn("X_1", fy=2022)]))
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1"), txn("B_2"), txn("C_3")]))
    result = ingest_file(con, make_zip(tmp_path, full_name(2023, "20240415"), [txn("A_1", amount="1.00"), txn("D_4")]))
    assert result.rows_deleted == 3 and result.rows_loaded == 2
    assert _keys(con) == {"X_1": "100.00", "A_1": "1.00", "D_4": "100.00"}


def test_a_delta_never_overrides_a_newer_full_file(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240415"), [txn("A_1", amount="5.00")]))
    result = ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [
        {"correction_delete_ind": "C", **txn("A_1", amount="4.00")}, delete_row("A_1")]))
    assert result.rows_loaded == 0 and result.rows_deleted == 0
    assert _keys(con) == {"A_1": "5.00"}


def test_a_transaction_moved_to_another_year_leaves_its_old_year(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2022, "20240115"), [txn("A_1", fy=2022)]))
    ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [
        {"correction_delete_ind": "C", **txn("A_1", fy=2023, amount="7.00")}]))
    assert con.execute("SELECT action_date_fiscal_year FROM raw.archive_transactions").fetchall() == [(2023,)]


def test_a_key_repeated_in_a_delta_keeps_its_newest_row(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1"), txn("B_2")]))
    ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [
        {"correction_delete_ind": "C", **txn("A_1", amount="1.00", last_modified_date="2024-02-10 00:00:00")},
        {"correction_delete_ind": "C", **txn("A_1", amount="2.00", last_modified_date="2024-02-01 00:00:00")},
        {"correction_delete_ind": "C", **txn("B_2", amount="3.00", last_modified_date="2024-02-01 00:00:00")},
        delete_row("B_2", last_modified="2024-02-01 00:00:00"),  # same time: the deletion (appended last) wins
    ]))
    assert _keys(con) == {"A_1": "1.00"}


def test_loans_count_their_subsidy_cost_and_keep_face_value(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [
        txn("L_1", program="59.012", type_code="07", amount=None, face="250000.00", subsidy="3000.00"),
        txn("L_2", program="59.012", type_code="08", amount="0.00", face="750000.00", subsidy="-1000.00"),
        txn("L_3", program="59.012", type_code="F003", amount=None, face="100.00", subsidy="1.00"),
    ]))
    row = _totals(con)[("59.012", 2023)]
    assert row[:4] == (2001, 0, 1000100, 2001)  # obligations = subsidy; fao 0/blank; face value kept apart
    assert row[4:] == (3, 3)


def test_pragmatic_obligations_are_derived_when_the_column_is_absent(tmp_path: Path) -> None:
    con = _store(tmp_path)
    columns = [c for c in FULL_COLUMNS if c != "generated_pragmatic_obligations"]
    ingest_file(con, make_zip(tmp_path, full_name(2015, "20240115"), [
        txn("L_1", program="59.012", type_code="07", amount="999.00", face="1000.00", subsidy="40.00", fy=2015),
        txn("G_1", program="97.102", amount="25.00", fy=2015),
        txn("G_2", program="97.102", amount=None, fy=2015),   # blank counts as 0
    ], columns=columns))
    totals = _totals(con, [2015])
    assert totals[("59.012", 2015)][0] == 40
    assert totals[("97.102", 2015)][0] == 25
    assert con.execute("SELECT count(*) FROM raw.archive_transactions WHERE generated_pragmatic_obligations IS NOT NULL").fetchone() == (0,)


def test_blank_pragmatic_values_are_derived_row_by_row(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [
        txn("L_1", program="59.012", type_code="08", amount=None, subsidy="7.00", pragmatic=""),
        txn("L_2", program="59.012", type_code="08", amount=None, subsidy="3.00"),
    ]))
    assert _totals(con)[("59.012", 2023)][0] == 10


def test_assistance_listing_number_header_is_accepted(tmp_path: Path) -> None:
    con = _store(tmp_path)
    columns = ["assistance_listing_number" if c == "cfda_number" else c for c in FULL_COLUMNS]
    rows = [{("assistance_listing_number" if k == "cfda_number" else k): v for k, v in txn("A_1", program="84.063").items()}]
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), rows, columns=columns))
    assert list(_totals(con)) == [("84.063", 2023)]


def test_fiscal_year_is_derived_from_the_action_date_when_blank(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2024, "20240115"), [
        txn("A_1", action_date="2023-10-01", action_date_fiscal_year=""),
        txn("B_2", action_date="2024-09-30", action_date_fiscal_year="")]))
    assert list(_totals(con, [2024])) == [("97.102", 2024)]


def test_a_file_with_several_parts_loads_every_part(tmp_path: Path) -> None:
    con = _store(tmp_path)
    parts = [[txn(f"K{p}_{i}", amount="1.00") for i in range(50)] for p in range(5)]
    result = ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), parts), workers=2)
    assert result.parts == 5 and result.rows_loaded == 250
    assert _totals(con)[("97.102", 2023)][0] == 250


def test_a_store_made_before_award_description_opens_upgrades_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = _store(tmp_path, "old.duckdb")
    ingest_file(con, make_zip(tmp_path, full_name(2022, "20240115"), [txn("OLD_1", fy=2022)]))
    # the table as stores created before the column was added have it
    con.execute("ALTER TABLE raw.archive_transactions DROP COLUMN award_description")
    con.close()

    # read-only (e.g. `spendrecon awards` before any ingest): drill-down works, without the text
    con = open_store(path, read_only=True)
    [row] = top_transactions(con, "97.102", 2022)
    assert row["assistance_transaction_unique_key"] == "OLD_1" and row["award_description"] is None
    con.close()

    # opened for writing it gains the column, keeps its rows, and loads with descriptions
    con = _store(tmp_path, "old.duckdb")
    result = ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("NEW_1", award="ASST_NON_N_7022")]))
    assert result.rows_loaded == 1 and result.rows_quarantined == 0
    assert dict(con.execute("SELECT assistance_transaction_unique_key, award_description "
                            "FROM raw.archive_transactions").fetchall()) == {
        "OLD_1": None, "NEW_1": "AWARD DESCRIPTION OF ASST_NON_N_7022"}
    assert top_transactions(con, "97.102", 2023)[0]["award_description"] == "AWARD DESCRIPTION OF ASST_NON_N_7022"
    con.close()
    open_store(path).close()  # opening again is a no-op: the column is there


def test_a_step_clock_times_each_step_of_a_load(tmp_path: Path) -> None:
    # What bench/archive_profile.py reads: wall and CPU seconds per step of the real ingest. The
    # clock only watches; the file loads as it would without it.
    con = _store(tmp_path)
    clock = StepClock()
    result = ingest_file(con, make_zip(tmp_path / "src", full_name(2023, "20240115"),
                                       [txn("A_1"), txn("A_1", amount="7.00"), txn("B_1", amount="1.005")]), clock=clock)
    assert (result.rows_loaded, result.rows_skipped, result.rows_quarantined) == (1, 1, 1)
    assert list(clock.steps) == ["open", "load", "quarantine", "repeated keys", "reconcile", "commit"]
    for name, (wall, cpu) in clock.steps.items():
        assert wall > 0 and cpu >= 0, name
    # A step entered more than once adds up; a file skipped as already applied stops after "open".
    again = StepClock()
    with again.step("open"):
        pass
    before = again.steps["open"][0]
    skipped = ingest_file(con, make_zip(tmp_path / "src", full_name(2023, "20240115"),
                                        [txn("A_1"), txn("A_1", amount="7.00"), txn("B_1", amount="1.005")]), clock=again)
    assert skipped.status == "skipped"
    assert list(again.steps) == ["open"] and again.steps["open"][0] > before
