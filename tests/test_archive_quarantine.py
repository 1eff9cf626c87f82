"""Bad rows go to raw.quarantine (good rows still load); bad zips load nothing; encodings."""
from __future__ import annotations

import struct
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from archive_testkit import csv_bytes, delete_row, delta_name, full_name, make_zip, txn
from warehouse.archive.columns import FULL_COLUMNS
from warehouse.archive.ingest import ingest_file, record_line
from warehouse.archive.reader import ArchiveError
from warehouse.archive.store import open_store


def _store(tmp_path: Path):  # type: ignore[no-untyped-def]
    return open_store(tmp_path / "store.duckdb", threads=2, memory_limit="512MB")


def _quarantine(con) -> list[tuple]:  # type: ignore[no-untyped-def]
    return con.execute("SELECT part, line, reason FROM raw.quarantine ORDER BY line").fetchall()


def _field_count_line(key: str, fields: int) -> str:
    return ",".join([key] + ["x"] * (fields - 1))


@pytest.mark.parametrize("transport", ["fifo", "extract"])  # extract: platforms without named pipes
def test_bad_rows_are_quarantined_with_file_line_and_reason_and_good_rows_load(tmp_path: Path, transport: str) -> None:
    con = _store(tmp_path)
    rows = [
        txn("OK_1"),                                     # line 2
        txn("BAD_AMOUNT", amount="12x.00"),              # line 3
        txn("OK_2"),                                     # line 4
        txn("BAD_DATE", action_date="2023-13-45"),       # line 5
        txn("", amount="5.00"),                          # line 6: no key
        txn("BAD_FY", action_date_fiscal_year="FY23"),   # line 7
        txn("OK_3"),                                     # line 8
    ]
    extra = [_field_count_line("TOO_MANY", len(FULL_COLUMNS) + 1),   # line 9
             _field_count_line("TOO_FEW", len(FULL_COLUMNS) - 3)]     # line 10
    path = make_zip(tmp_path, full_name(2023, "20240115"), rows, extra_lines=extra)
    result = ingest_file(con, path, transport=transport)  # type: ignore[arg-type]

    part = "FY2023_All_Assistance_Full_20240115_1.csv"
    assert _quarantine(con) == [
        (part, 3, "bad amount"), (part, 5, "bad date"), (part, 6, "missing transaction key"),
        (part, 7, "bad fiscal year"), (part, 9, "wrong column count"), (part, 10, "wrong column count"),
    ]
    assert result.rows_quarantined == 6 and result.rows_loaded == 3
    loaded = {r[0] for r in con.execute("SELECT assistance_transaction_unique_key FROM raw.archive_transactions").fetchall()}
    assert loaded == {"OK_1", "OK_2", "OK_3"}
    file_name, raw_text, detail = con.execute(
        "SELECT file_name, raw_text, detail FROM raw.quarantine WHERE line = 3").fetchone()
    assert file_name == path.name and raw_text.startswith("BAD_AMOUNT,") and "federal_action_obligation" in detail
    assert con.execute("SELECT rows_quarantined FROM meta.archive_files").fetchone() == (6,)


def test_amounts_with_more_than_two_decimals_are_quarantined_not_rounded(tmp_path: Path) -> None:
    con = _store(tmp_path)
    result = ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [
        txn("CENTS", amount="12.30"),                                               # line 2
        txn("MILLS", amount="12.345"),                                              # line 3
        txn("WHOLE", amount="-5"),                                                  # line 4
        txn("HALF_CENT", amount="0.005", pragmatic="0.00"),                         # line 5
        txn("ZERO", amount="0"),                                                    # line 6
        txn("BLANK", amount=None),                                                  # line 7
        txn("TRAILING_ZEROS", amount="7.1000"),                                     # line 8: exact to the cent
        txn("LOAN", type_code="07", amount=None, face="1000.001", subsidy="5.00"),  # line 9
        txn("PRAGMATIC", amount="1.00", pragmatic="1.0001"),                        # line 10
        txn("HUGE", amount="100000000000000.00"),                                   # line 11: past any transaction
    ]))
    part = "FY2023_All_Assistance_Full_20240115_1.csv"
    assert _quarantine(con) == [
        (part, 3, "federal_action_obligation has more than 2 decimal places"),
        (part, 5, "federal_action_obligation has more than 2 decimal places"),
        (part, 9, "face_value_of_loan has more than 2 decimal places"),
        (part, 10, "generated_pragmatic_obligations has more than 2 decimal places"),
        (part, 11, "bad amount"),
    ]
    assert result.rows_quarantined == 5 and result.rows_loaded == 5
    raw_text, detail = con.execute("SELECT raw_text, detail FROM raw.quarantine WHERE line = 11").fetchone()
    assert raw_text.startswith("HUGE,") and "federal_action_obligation" in detail
    # what loads is stored exactly as written, to the cent; blank stays NULL, 0 stays 0
    stored = dict(con.execute("SELECT assistance_transaction_unique_key, federal_action_obligation "
                              "FROM raw.archive_transactions").fetchall())
    assert stored == {"CENTS": Decimal("12.30"), "WHOLE": Decimal("-5.00"), "ZERO": Decimal("0.00"),
                      "BLANK": None, "TRAILING_ZEROS": Decimal("7.10")}
    assert con.execute("SELECT DISTINCT typeof(federal_action_obligation) FROM raw.archive_transactions").fetchall() == [
        ("DECIMAL(18,2)",)]


def test_digits_past_the_fourth_decimal_are_quarantined_not_rounded_unseen(tmp_path: Path) -> None:
    con = _store(tmp_path)
    result = ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [
        txn("FIFTH", amount="12.00001"),                                            # line 2: not 12.00
        txn("ROUNDS_UP", amount="12.99995"),                                        # line 3: not 13.00
        txn("TINY", amount="-0.0000000000000000000001"),                            # line 4: not 0.00
        txn("ZEROS", amount="5.000000000"),                                         # line 5: exact to the cent
        txn("LOAN", type_code="07", amount=None, face="1000.000001", subsidy="5.00"),  # line 6
        txn("EXPONENT", amount="1e-5", pragmatic="0"),                              # line 7: not 0.00
        txn("SPACED", amount=" 12.50 "),                                            # line 8: as before
    ]))
    part = "FY2023_All_Assistance_Full_20240115_1.csv"
    assert _quarantine(con) == [
        (part, 2, "federal_action_obligation has more than 2 decimal places"),
        (part, 3, "federal_action_obligation has more than 2 decimal places"),
        (part, 4, "federal_action_obligation has more than 2 decimal places"),
        (part, 6, "face_value_of_loan has more than 2 decimal places"),
        (part, 7, "bad amount"),
    ]
    assert result.rows_quarantined == 5 and result.rows_loaded == 2
    assert con.execute("SELECT detail FROM raw.quarantine WHERE line = 7").fetchone() == (
        "federal_action_obligation: 1e-5 is in exponent form",)
    assert con.execute("SELECT assistance_transaction_unique_key, federal_action_obligation FROM raw.archive_transactions "
                       "ORDER BY 1").fetchall() == [("SPACED", Decimal("12.50")), ("ZEROS", Decimal("5.00"))]


def test_rows_without_program_or_date_are_quarantined(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [
        txn("NO_ALN", program=""), txn("OK_1"), txn("NO_DATE", action_date="", action_date_fiscal_year="")]))
    assert [r[1:] for r in _quarantine(con)] == [(2, "missing program number"), (4, "missing action date")]


def test_rows_without_an_award_key_are_quarantined_and_the_rest_count_right(tmp_path: Path) -> None:
    con = _store(tmp_path)
    result = ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [
        txn("OK_1", award="ASST_NON_X_7022"),                               # line 2
        txn("NO_AWARD", assistance_award_unique_key=""),                    # line 3
        txn("OK_2", award="ASST_NON_X_7022"),                               # line 4
        txn("BLANK_AWARD", assistance_award_unique_key="   "),              # line 5: blank after trimming
        txn("OK_3", award="ASST_NON_Y_7022"),                               # line 6
    ]))
    part = "FY2023_All_Assistance_Full_20240115_1.csv"
    assert _quarantine(con) == [(part, 3, "missing award key"), (part, 5, "missing award key")]
    assert result.rows_quarantined == 2 and result.rows_loaded == 3
    file_name, raw_text = con.execute("SELECT file_name, raw_text FROM raw.quarantine WHERE line = 3").fetchone()
    assert file_name == "FY2023_All_Assistance_Full_20240115.zip" and raw_text.startswith("NO_AWARD,")
    # the awards count only what loaded: two awards, three transactions
    assert con.execute("SELECT transaction_count, award_count FROM staging.archive_program_year").fetchall() == [(3, 2)]


def test_a_delta_change_without_an_award_key_is_quarantined_but_a_deletion_needs_none(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1"), txn("B_2")]))
    result = ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [
        {"correction_delete_ind": "C", **txn("A_1", amount="1.00", assistance_award_unique_key="")},  # line 2
        {"correction_delete_ind": "", **txn("C_3", assistance_award_unique_key="")},                  # line 3
        delete_row("B_2"),                                                                             # line 4
    ]))
    part = "FY(All)_All_Assistance_Delta_20240215_1.csv"
    assert _quarantine(con) == [(part, 2, "missing award key"), (part, 3, "missing award key")]
    assert result.rows_quarantined == 2 and result.rows_deleted == 1
    # the bad change did not replace A_1; the deletion applied
    assert con.execute("SELECT assistance_transaction_unique_key, federal_action_obligation "
                       "FROM raw.archive_transactions").fetchall() == [("A_1", 100)]


def test_a_delta_with_an_unknown_indicator_is_quarantined(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1")]))
    result = ingest_file(con, make_zip(tmp_path, delta_name("20240215"), [
        {"correction_delete_ind": "X", **txn("A_1", amount="1.00")},
        {"correction_delete_ind": "", **txn("B_2")}]))
    assert result.rows_quarantined == 1 and result.rows_loaded == 1
    assert [r[1:] for r in _quarantine(con)] == [(2, "unknown correction_delete_ind")]


def test_quarantine_lines_count_past_rejected_records() -> None:
    # accepted records are numbered without the rejected ones: map back to file lines
    assert record_line(1, []) == 2
    assert record_line(3, [3, 5]) == 6
    assert record_line(2, [3, 5]) == 4
    assert record_line(1, [2, 3, 4]) == 5


def test_a_latin1_file_loads_and_says_so(tmp_path: Path) -> None:
    con = _store(tmp_path)
    rows = [txn("A_1", recipient_name="MUNICIPIO DE PEÑUELAS"), txn("B_2")]
    result = ingest_file(con, make_zip(tmp_path, full_name(2023, "20240115"), rows, encoding="latin-1"))
    assert result.encoding == "latin-1" and result.rows_loaded == 2 and result.rows_quarantined == 0
    assert con.execute("SELECT recipient_name FROM raw.archive_transactions WHERE assistance_transaction_unique_key = 'A_1'"
                       ).fetchone() == ("MUNICIPIO DE PEÑUELAS",)
    assert con.execute("SELECT encoding FROM meta.archive_files").fetchone() == ("latin-1",)


@pytest.mark.parametrize("transport", ["fifo", "extract"])
def test_encoding_is_decided_per_part(tmp_path: Path, transport: str) -> None:
    con = _store(tmp_path)
    path = tmp_path / full_name(2023, "20240115")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(path.stem + "_1.csv", csv_bytes([txn("A_1", recipient_name="CAFÉ")], FULL_COLUMNS))
        zf.writestr(path.stem + "_2.csv", csv_bytes([txn("B_2", recipient_name="AÑO")], FULL_COLUMNS, encoding="latin-1"))
        zf.writestr("Data_Dictionary_Crosswalk.xlsx", b"not a part")
    result = ingest_file(con, path, transport=transport)  # type: ignore[arg-type]
    assert result.warnings == ["ignored non-CSV members: Data_Dictionary_Crosswalk.xlsx"]
    assert result.encoding == "part 1: utf-8, part 2: latin-1"
    assert sorted(r[0] for r in con.execute("SELECT recipient_name FROM raw.archive_transactions").fetchall()) == ["AÑO", "CAFÉ"]


def test_a_truncated_zip_fails_cleanly_and_earlier_files_stay(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2022, "20240115"), [txn("KEEP_1", fy=2022)]))
    good = make_zip(tmp_path / "src", full_name(2023, "20240115"), [txn(f"T_{i}") for i in range(200)])
    cut = tmp_path / good.name
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ArchiveError, match=r"FY2023_All_Assistance_Full_20240115\.zip: not a readable zip"):
        ingest_file(con, cut)
    assert con.execute("SELECT assistance_transaction_unique_key FROM raw.archive_transactions").fetchall() == [("KEEP_1",)]
    assert con.execute("SELECT count(*) FROM meta.archive_files").fetchone() == (1,)


def test_a_corrupt_part_fails_its_file_and_loads_nothing_from_it(tmp_path: Path) -> None:
    con = _store(tmp_path)
    ingest_file(con, make_zip(tmp_path, full_name(2022, "20240115"), [txn("KEEP_1", fy=2022)]))
    # big enough (~2 MB) that the damage lies past the header, so it surfaces while DuckDB reads the part
    path = make_zip(tmp_path / "src", full_name(2023, "20240115"),
                    [[txn(f"P1_{i}") for i in range(300)], [txn(f"P2_{i}") for i in range(5000)]])
    _flip_byte_in_member(path, 1)
    with pytest.raises(ArchiveError, match=r"part FY2023_All_Assistance_Full_20240115_2\.csv is corrupt"):
        ingest_file(con, path)
    assert con.execute("SELECT count(*) FROM raw.archive_transactions").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM meta.archive_files").fetchone() == (1,)
    # the store is still usable
    ingest_file(con, make_zip(tmp_path, full_name(2023, "20240215"), [txn("NEXT_1")]))
    assert con.execute("SELECT count(*) FROM raw.archive_transactions").fetchone() == (2,)


def test_a_corrupt_small_part_is_caught_before_loading(tmp_path: Path) -> None:
    con = _store(tmp_path)
    path = make_zip(tmp_path, full_name(2023, "20240115"), [txn(f"A_{i}") for i in range(100)])
    _flip_byte_in_member(path, 0)
    with pytest.raises(ArchiveError, match="is corrupt or truncated"):
        ingest_file(con, path)
    assert con.execute("SELECT count(*) FROM raw.archive_transactions").fetchone() == (0,)


def test_a_zip_that_is_not_an_assistance_file_is_refused(tmp_path: Path) -> None:
    con = _store(tmp_path)
    path = make_zip(tmp_path, full_name(2023, "20240115"), [{"a": "1"}], columns=["a", "b"])
    with pytest.raises(ArchiveError, match="has no assistance_transaction_unique_key, cfda_number, action_date, "
                                           "assistance_award_unique_key column"):
        ingest_file(con, path)


def test_a_file_without_the_award_key_column_is_refused_not_quarantined_row_by_row(tmp_path: Path) -> None:
    con = _store(tmp_path)
    columns = [c for c in FULL_COLUMNS if c != "assistance_award_unique_key"]
    path = make_zip(tmp_path, full_name(2023, "20240115"), [txn("A_1")], columns=columns)
    with pytest.raises(ArchiveError, match="has no assistance_award_unique_key column"):
        ingest_file(con, path)
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone() == (0,)


def _flip_byte_in_member(path: Path, index: int) -> None:
    """Damage the compressed data of one member in place (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.infolist()[index]
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x01
    path.write_bytes(bytes(data))
