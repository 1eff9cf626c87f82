"""Generate a synthetic USAspending Award Data Archive Full file, shaped like the real one.

All 92 columns in the documented order, ~600 bytes a row, a realistic mix of values: skewed program
sizes, grants/direct payments/loans/insurance, loans with face value and subsidy cost (and a blank
or zero federal_action_obligation, as FABS26.1 requires), negative deobligations, aggregate records
keyed by URI, mostly-blank optional columns, quoted names with commas. Parts of at most
``--part-rows`` rows (1,000,000 like the real archive) named ``<zip stem>_N.csv``.

Every value is a function of (row number, seed) through DuckDB's ``hash``, so the same rows and
seed give the same content on any machine. DuckDB writes each part (fast, no Python per-row loop)
while the previous part is being deflated into the zip.

    .venv/bin/python bench/generate_archive.py --rows 5000000 --out bench/work
"""
from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import zipfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from warehouse.archive.columns import FULL_COLUMNS  # noqa: E402

PART_ROWS = 1_000_000
LOAN_TYPES = ("07", "08")

# (toptier code, name, ALN prefix, [(subtier code, subtier name)])
AGENCIES = [
    ("075", "Department of Health and Human Services", "93", [
        ("7529", "National Institutes of Health"), ("7530", "Centers for Medicare and Medicaid Services"),
        ("7523", "Centers for Disease Control and Prevention"), ("7590", "Administration for Children and Families")]),
    ("012", "Department of Agriculture", "10", [
        ("12D0", "Rural Housing Service"), ("1235", "Food and Nutrition Service"),
        ("12D2", "Rural Utilities Service"), ("1205", "National Institute of Food and Agriculture")]),
    ("091", "Department of Education", "84", [
        ("9100", "Department of Education"), ("9131", "Office of Elementary and Secondary Education")]),
    ("069", "Department of Transportation", "20", [
        ("6925", "Federal Highway Administration"), ("6940", "Federal Transit Administration")]),
    ("086", "Department of Housing and Urban Development", "14", [
        ("8630", "Office of Community Planning and Development"), ("8650", "Office of Public and Indian Housing")]),
    ("073", "Small Business Administration", "59", [("7300", "Small Business Administration")]),
    ("070", "Department of Homeland Security", "97", [
        ("7022", "Federal Emergency Management Agency")]),
    ("049", "National Science Foundation", "47", [("4900", "National Science Foundation")]),
    ("036", "Department of Veterans Affairs", "64", [("3600", "Veterans Benefits Administration")]),
    ("016", "Department of Labor", "17", [("1630", "Employment and Training Administration")]),
]
TYPES = [  # (code, description, weight) for non-loan programs
    ("04", "PROJECT GRANT (B)", 30), ("02", "BLOCK GRANT (A)", 6), ("03", "FORMULA GRANT (A)", 12),
    ("05", "COOPERATIVE AGREEMENT (B)", 12), ("06", "DIRECT PAYMENT FOR SPECIFIED USE (C)", 30),
    ("10", "DIRECT PAYMENT WITH UNRESTRICTED USE (D)", 18), ("09", "INSURANCE (G)", 5), ("11", "OTHER (H)", 1),
    ("F001", "GRANT", 2), ("F006", "DIRECT PAYMENT", 1),
]
LOAN_DESCRIPTIONS = {"07": "DIRECT LOAN (E)", "08": "GUARANTEED/INSURED LOAN (F)"}
WORDS = ("Community Health Research Rural Housing Education Disaster Assistance Emergency Water "
         "Energy Infrastructure Workforce Nutrition Veterans Family Children Transit Science Training "
         "Public Safety Environmental Development Innovation Preparedness Mitigation Conservation").split()
EXTRA_WORDS = ("PHASE", "YEAR", "SUPPLEMENT", "CARRYOVER", "AMENDMENT", "SUPPORT", "SERVICES", "CENTER",
               "STUDY", "PILOT", "REGIONAL", "TRIBAL", "STATEWIDE", "CAPACITY", "EXPANSION", "RECOVERY",
               "NETWORK", "CLINICAL", "TRIAL", "EVALUATION", "OUTREACH", "PREVENTION", "PLANNING", "REPAIR",
               "RENOVATION", "EQUIPMENT", "TECHNICAL", "NATIONAL", "INITIATIVE", "PARTNERSHIP", "OPERATIONS")
NAME_A = ("UNIVERSITY OF", "COUNTY OF", "CITY OF", "STATE OF", "REGENTS OF THE UNIVERSITY OF",
          "BOARD OF EDUCATION OF", "HOUSING AUTHORITY OF THE CITY OF", "TRUSTEES OF")
NAME_B = ("CALIFORNIA", "TEXAS", "NEW YORK", "WASHINGTON", "MICHIGAN", "OHIO", "GEORGIA", "ARIZONA",
          "FLORIDA", "COLORADO", "VIRGINIA", "OREGON", "MINNESOTA", "WISCONSIN", "NEBRASKA", "MAINE")
NAME_C = ("", ", LOS ANGELES", ", INC.", " SCHOOL DISTRICT", " HEALTH SYSTEM", ", THE", " FOUNDATION",
          " MEDICAL CENTER", " COMMUNITY ACTION AGENCY, INC.", "")
STATES = [("CA", "CALIFORNIA", "LOS ANGELES", "037"), ("TX", "TEXAS", "HOUSTON", "201"),
          ("NY", "NEW YORK", "NEW YORK", "061"), ("WA", "WASHINGTON", "SEATTLE", "033"),
          ("MI", "MICHIGAN", "DETROIT", "163"), ("OH", "OHIO", "COLUMBUS", "049"),
          ("GA", "GEORGIA", "ATLANTA", "121"), ("FL", "FLORIDA", "MIAMI", "086")]
STATE_FIPS = {"CA": "06", "TX": "48", "NY": "36", "WA": "53", "MI": "26", "OH": "39", "GA": "13", "FL": "12"}
DESCRIPTIONS = (
    "CONTINUATION OF RESEARCH ON THE MOLECULAR MECHANISMS OF DISEASE PROGRESSION IN ADULT POPULATIONS",
    "PUBLIC ASSISTANCE GRANT FOR DEBRIS REMOVAL AND EMERGENCY PROTECTIVE MEASURES, DR-4673",
    "SINGLE FAMILY HOUSING DIRECT LOAN",
    "FORMULA ALLOCATION FOR THE FISCAL YEAR",
    "TO PROVIDE FUNDING FOR THE OPERATION OF THE PROGRAM IN ACCORDANCE WITH THE APPROVED APPLICATION AND "
    "BUDGET, INCLUDING PERSONNEL, FRINGE BENEFITS, TRAVEL, SUPPLIES AND CONTRACTUAL SERVICES",
    "SBIR PHASE I: A NOVEL LOW-COST SENSOR PLATFORM FOR WATER QUALITY MONITORING",
    "AGGREGATE PAYMENTS TO INDIVIDUALS",
    "NO-COST EXTENSION",
    "ADMINISTRATIVE ADJUSTMENT TO DEOBLIGATE REMAINING FUNDS",
    "GUARANTEED BUSINESS LOAN - 7(A)",
)
BUSINESS_TYPES = ("PUBLIC/STATE CONTROLLED INSTITUTION OF HIGHER EDUCATION", "STATE GOVERNMENT",
                  "COUNTY GOVERNMENT", "NONPROFIT WITH 501C3 IRS STATUS", "OTHER NONPROFIT", "SMALL BUSINESS")
DEFC_TEXT = "Q: Excluded from tracking (uses non-emergency/non-disaster designated appropriations)"


def programs(seed: int) -> dict[str, list]:
    """About 1,500 programs with titles, owning agency, and a type mix (some are loan programs)."""
    rnd = random.Random(seed)
    pool: dict[str, list] = {k: [] for k in (
        "number", "title", "top_code", "top_name", "sub_code", "sub_name", "type_code", "type_desc")}
    seen: set[str] = set()
    while len(pool["number"]) < 1500:
        top, name, prefix, subs = rnd.choice(AGENCIES)
        number = f"{prefix}.{rnd.randint(1, 999):03d}"
        if number in seen:
            continue
        seen.add(number)
        sub_code, sub_name = rnd.choice(subs)
        if rnd.random() < 0.06:
            code = rnd.choice(LOAN_TYPES)
            desc = LOAN_DESCRIPTIONS[code]
        else:
            code, desc, _ = rnd.choices(TYPES, weights=[t[2] for t in TYPES])[0]
        words = rnd.sample(WORDS, rnd.randint(2, 4))
        title = " ".join(words) + rnd.choice((" Grants", " Program", " Loans", " Assistance", ""))
        for key, value in zip(pool, (number, title, top, name, sub_code, sub_name, code, desc)):
            pool[key].append(value)
    return pool


# One projection over range(): no joins, so DuckDB keeps row order and the output is reproducible.
# u*/ua are uniform [0, 1) draws for the row / its award; ha is a hash of the award; lists are 1-based.
# Rows come in three record types, as in the archive: 2 (one recipient), 1 (aggregate of payments to
# individuals, keyed by URI) and 3 (PII-redacted individual); direct payments and insurance are
# mostly types 1 and 3, which is why so many real rows are narrow.
PART_SQL = """
WITH r AS (
    SELECT i,
           i // 4 AS award,
           (i % 4)::INTEGER AS mod,
           -- skewed program choice: a few programs hold most transactions, as in the real archive
           1 + floor(pow((hash(i // 4, $seed, 1) % 1000003) / 1000003.0, 2.2) * $n_programs)::INTEGER AS p,
           (hash(i // 4, $seed, 2) % 1000003) / 1000003.0 AS ua,
           (hash(i, $seed, 3) % 1000003) / 1000003.0 AS u1,
           (hash(i, $seed, 4) % 1000003) / 1000003.0 AS u2,
           (hash(i, $seed, 5) % 1000003) / 1000003.0 AS u3,
           hash(i // 4, $seed, 6) AS ha
    FROM range($start, $stop) AS t(i)
), r2 AS (
    SELECT *,
           $type_code[p] AS type_code,
           $type_code[p] IN ('07', '08') AS is_loan,
           CASE WHEN $type_code[p] IN ('06', '10', '09', 'F006') AND ua < 0.08 THEN 1
                WHEN $type_code[p] IN ('06', '10', '09', 'F006') AND ua < 0.85 THEN 3
                ELSE 2 END AS record_type,
           $fy_start + (floor(u1 * 365))::INTEGER AS action_date,
           1 + (ha % $n_states)::INTEGER AS s,
           -- money: heavy-tailed, 8% negative (deobligations), cents kept
           round(pow(u2, 5) * 4.0e6 + u3 * 2000, 2) * CASE WHEN u3 < 0.08 THEN -1 ELSE 1 END AS amt,
           round(pow(u2, 3) * 2.5e6 + 5000, 2) AS face
    FROM r
), r3 AS (
    SELECT *,
           record_type = 1 AS is_aggregate,
           record_type = 2 AS has_recipient,
           CASE WHEN record_type = 1 THEN NULL
                ELSE upper(printf('%s%08d', substr(md5(ha::VARCHAR), 1, 4), award % 100000000)) END AS fain,
           CASE WHEN record_type = 1 THEN printf('%sAGG%07d', $sub_code[p], award % 10000000) END AS uri,
           CASE WHEN is_loan THEN round(face * (u3 * 0.12 - 0.02), 2) END AS subsidy,
           $name_a[1 + (ha % 8)::INTEGER] || ' ' || $name_b[1 + (ha // 8 % 16)::INTEGER] AS parent_name
    FROM r2
)
SELECT
    concat_ws('_', $sub_code[p], coalesce(fain, '-NONE-'), coalesce(uri, '-NONE-'), $number[p],
              mod::VARCHAR) AS assistance_transaction_unique_key,
    CASE WHEN is_aggregate THEN 'ASST_AGG_' || uri ELSE 'ASST_NON_' || fain END || '_' || $sub_code[p] AS assistance_award_unique_key,
    fain AS award_id_fain,
    mod::VARCHAR AS modification_number,
    uri AS award_id_uri,
    CASE WHEN u1 < 0.1 THEN 'SAI NOT AVAILABLE' END AS sai_number,
    CASE WHEN is_loan THEN (CASE WHEN u2 < 0.5 THEN '0.00' END) ELSE printf('%.2f', amt) END AS federal_action_obligation,
    CASE WHEN is_loan THEN NULL ELSE printf('%.2f', abs(amt) * 3) END AS total_obligated_amount,
    CASE WHEN u1 < 0.4 AND has_recipient AND NOT is_loan THEN printf('%.2f', abs(amt) * 1.7) END AS total_outlayed_amount_for_overall_award,
    CASE WHEN u2 < 0.05 AND has_recipient THEN printf('%.2f', abs(amt) * 0.2) END AS indirect_cost_federal_share_amount,
    CASE WHEN has_recipient THEN '0.00' END AS non_federal_funding_amount,
    CASE WHEN has_recipient THEN '0.00' END AS total_non_federal_funding_amount,
    CASE WHEN is_loan THEN printf('%.2f', face) END AS face_value_of_loan,
    CASE WHEN is_loan THEN printf('%.2f', subsidy) END AS original_loan_subsidy_cost,
    CASE WHEN is_loan THEN printf('%.2f', face * 2) END AS total_face_value_of_loan,
    CASE WHEN is_loan THEN printf('%.2f', subsidy * 2) END AS total_loan_subsidy_cost,
    printf('%.2f', CASE WHEN is_loan THEN subsidy ELSE amt END) AS generated_pragmatic_obligations,
    CASE WHEN ua < 0.08 THEN $defc END AS disaster_emergency_fund_codes_for_overall_award,
    strftime(action_date, '%Y-%m-%d') AS action_date,
    $fy AS action_date_fiscal_year,
    $top_code[p] AS awarding_agency_code,
    $top_name[p] AS awarding_agency_name,
    $sub_code[p] AS awarding_sub_agency_code,
    $sub_name[p] AS awarding_sub_agency_name,
    CASE WHEN ua < 0.5 THEN $sub_code[p] || 'N' || lpad((ha % 1000)::VARCHAR, 3, '0') END AS awarding_office_code,
    CASE WHEN ua < 0.5 THEN upper($words[1 + (ha // 8 % $n_words)::INTEGER]) || ' OFFICE' END AS awarding_office_name,
    CASE WHEN ua < 0.4 THEN $top_code[p] END AS funding_agency_code,
    CASE WHEN ua < 0.4 THEN $top_name[p] END AS funding_agency_name,
    CASE WHEN ua < 0.4 THEN $sub_code[p] END AS funding_sub_agency_code,
    CASE WHEN ua < 0.4 THEN $sub_name[p] END AS funding_sub_agency_name,
    CASE WHEN ua < 0.3 THEN $sub_code[p] || 'N' || lpad((ha % 1000)::VARCHAR, 3, '0') END AS funding_office_code,
    CASE WHEN ua < 0.3 THEN upper($words[1 + (ha // 8 % $n_words)::INTEGER]) || ' OFFICE' END AS funding_office_name,
    CASE WHEN ua < 0.5 THEN $top_code[p] || '-X-' || lpad((ha % 9000 + 100)::VARCHAR, 4, '0') || '-000' END AS treasury_accounts_funding_this_award,
    CASE WHEN ua < 0.5 THEN $top_code[p] || '-' || lpad((ha % 9000 + 100)::VARCHAR, 4, '0') END AS federal_accounts_funding_this_award,
    CASE WHEN ua < 0.15 THEN '410: Grants, subsidies, and contributions' END AS object_classes_funding_this_award,
    CASE WHEN ua < 0.15 THEN '0001: ' || upper($title[p]) END AS program_activities_funding_this_award,
    CASE WHEN has_recipient THEN upper(substr(md5(ha::VARCHAR || 'u'), 1, 12)) END AS recipient_uei,
    CASE WHEN has_recipient AND ua < 0.3 THEN lpad((ha % 1000000000)::VARCHAR, 9, '0') END AS recipient_duns,
    CASE record_type WHEN 1 THEN 'MULTIPLE RECIPIENTS' WHEN 3 THEN 'REDACTED DUE TO PII'
         ELSE parent_name || $name_c[1 + (ha // 128 % 10)::INTEGER] END AS recipient_name,
    CASE WHEN has_recipient AND ua < 0.2 THEN parent_name || $name_c[1 + (ha // 128 % 10)::INTEGER] END AS recipient_name_raw,
    CASE WHEN has_recipient AND ua < 0.3 THEN upper(substr(md5(ha::VARCHAR || 'p'), 1, 12)) END AS recipient_parent_uei,
    NULL AS recipient_parent_duns,
    CASE WHEN has_recipient AND ua < 0.3 THEN parent_name END AS recipient_parent_name,
    CASE WHEN has_recipient AND ua < 0.1 THEN parent_name END AS recipient_parent_name_raw,
    'USA' AS recipient_country_code,
    'UNITED STATES' AS recipient_country_name,
    CASE WHEN has_recipient THEN ((ha % 9000) + 100)::VARCHAR || ' ' || $name_b[1 + (ha // 8 % 16)::INTEGER] || ' AVE' END AS recipient_address_line_1,
    CASE WHEN has_recipient AND ua < 0.1 THEN 'SUITE ' || (ha % 900 + 100)::VARCHAR END AS recipient_address_line_2,
    CASE WHEN has_recipient THEN lpad((ha % 90000)::VARCHAR, 5, '0') END AS recipient_city_code,
    CASE WHEN has_recipient THEN $state_city[s] END AS recipient_city_name,
    $state_fips[s] || $county[s] AS prime_award_transaction_recipient_county_fips_code,
    $state_city[s] || ' COUNTY' AS recipient_county_name,
    $state_code[s] AS recipient_state_code,
    $state_name[s] AS recipient_state_name,
    CASE WHEN NOT is_aggregate THEN lpad((ha % 99999)::VARCHAR, 5, '0') END AS recipient_zip_code,
    CASE WHEN has_recipient AND ua < 0.6 THEN lpad((ha % 9999)::VARCHAR, 4, '0') END AS recipient_zip_last_4_code,
    $state_code[s] || '-' || lpad((ha % 30 + 1)::VARCHAR, 2, '0') AS prime_award_transaction_recipient_cd_original,
    $state_code[s] || '-' || lpad((ha % 30 + 1)::VARCHAR, 2, '0') AS prime_award_transaction_recipient_cd_current,
    NULL AS recipient_foreign_city_name,
    NULL AS recipient_foreign_province_name,
    NULL AS recipient_foreign_postal_code,
    $state_code[s] || '**' || $county[s] AS primary_place_of_performance_code,
    $number[p] AS cfda_number,
    $title[p] AS cfda_title,
    CASE WHEN has_recipient AND ua < 0.4 THEN 'PA-' || lpad((ha % 99)::VARCHAR, 2, '0') || '-' || (ha % 900 + 100)::VARCHAR END AS funding_opportunity_number,
    CASE WHEN has_recipient AND ua < 0.03 THEN 'To support ' || lower($title[p]) || ' activities that improve outcomes for communities, including planning, evaluation and technical assistance.' END AS funding_opportunity_goals_text,
    type_code AS assistance_type_code,
    $type_desc[p] AS assistance_type_description,
    CASE WHEN u2 < 0.1 THEN $desc[1 + (hash(i, $seed, 7) % 10)::INTEGER]
         ELSE $words[1 + (hash(i, $seed, 8) % $n_words)::INTEGER] || ' ' || $words[1 + (hash(i, $seed, 9) % $n_words)::INTEGER]
              || CASE WHEN u3 < 0.5 THEN ' ' || $words[1 + (hash(i, $seed, 10) % $n_words)::INTEGER] ELSE '' END
         END AS transaction_description,
    CASE WHEN has_recipient AND ua < 0.6 THEN $words[1 + (ha % $n_words)::INTEGER] || ' ' || $words[1 + (ha // 64 % $n_words)::INTEGER] END AS prime_award_base_transaction_description,
    CASE WHEN ua < 0.9 THEN 'NON' ELSE 'REC' END AS business_funds_indicator_code,
    CASE WHEN ua < 0.9 THEN 'NOT RECOVERY ACT' ELSE 'RECOVERY ACT' END AS business_funds_indicator_description,
    CASE WHEN NOT has_recipient THEN 'P' ELSE ['H', 'A', 'B', 'M', 'N', 'X'][1 + (ha // 16 % 6)::INTEGER] END AS business_types_code,
    CASE WHEN NOT has_recipient THEN 'INDIVIDUAL' ELSE $btype[1 + (ha // 16 % 6)::INTEGER] END AS business_types_description,
    CASE WHEN u1 < 0.02 THEN 'C' END AS correction_delete_indicator_code,
    ['A', 'B', 'C', 'D'][1 + mod] AS action_type_code,
    ['NEW', 'CONTINUATION', 'REVISION', 'ADJUSTMENT TO COMPLETED PROJECT'][1 + mod] AS action_type_description,
    record_type::VARCHAR AS record_type_code,
    ['AGGREGATE RECORD', 'NON-AGGREGATE RECORD', 'NON-AGGREGATE INDIVIDUAL RECIPIENT RECORD'][record_type] AS record_type_description,
    CASE WHEN has_recipient AND ua < 0.02 THEN 'SMITH, JOHN' END AS highly_compensated_officer_1_name,
    CASE WHEN has_recipient AND ua < 0.02 THEN '250000.00' END AS highly_compensated_officer_1_amount,
    NULL AS highly_compensated_officer_2_name, NULL AS highly_compensated_officer_2_amount,
    NULL AS highly_compensated_officer_3_name, NULL AS highly_compensated_officer_3_amount,
    NULL AS highly_compensated_officer_4_name, NULL AS highly_compensated_officer_4_amount,
    NULL AS highly_compensated_officer_5_name, NULL AS highly_compensated_officer_5_amount,
    'https://www.usaspending.gov/award/' || CASE WHEN is_aggregate THEN 'ASST_AGG_' || uri ELSE 'ASST_NON_' || fain END || '_' || $sub_code[p] || '/' AS usaspending_permalink,
    strftime(action_date + 5, '%Y-%m-%d') AS initial_report_date,
    strftime(action_date + 6, '%Y-%m-%d') || ' ' || lpad((ha % 24)::VARCHAR, 2, '0') || ':'
        || lpad((ha % 60)::VARCHAR, 2, '0') || ':13.' || lpad((ha % 1000000)::VARCHAR, 6, '0') || '+00' AS last_modified_date
FROM r3
"""


def archive_name(fiscal_year: int, file_date: str) -> str:
    return f"FY{fiscal_year}_All_Assistance_Full_{file_date}.zip"


def generate(rows: int, out_dir: Path, *, seed: int = 7, fiscal_year: int = 2023,
             file_date: str = "20240415", part_rows: int = PART_ROWS, verbose: bool = True) -> Path:
    """Write the zip (atomically: a half-written archive is never left under the final name)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / archive_name(fiscal_year, file_date)
    tmp_zip = zip_path.with_suffix(".zip.partial")
    pool = programs(seed)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    params_base = {
        **pool,
        "n_programs": len(pool["number"]), "seed": seed, "fy": str(fiscal_year),
        "fy_start": _fy_start(fiscal_year), "defc": DEFC_TEXT, "desc": list(DESCRIPTIONS),
        "name_a": list(NAME_A), "btype": list(BUSINESS_TYPES),
        "words": [w.upper() for w in WORDS] + list(EXTRA_WORDS), "n_words": len(WORDS) + len(EXTRA_WORDS), "name_b": list(NAME_B), "name_c": list(NAME_C),
        "n_states": len(STATES), "state_code": [s[0] for s in STATES], "state_name": [s[1] for s in STATES],
        "state_city": [s[2] for s in STATES], "county": [s[3] for s in STATES],
        "state_fips": [STATE_FIPS[s[0]] for s in STATES],
    }
    stem = zip_path.stem
    parts = [(k, start, min(start + part_rows, rows)) for k, start in enumerate(range(0, rows, part_rows), 1)]
    started = time.perf_counter()
    with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        pending: threading.Thread | None = None
        errors: list[BaseException] = []
        for k, start, stop in parts:
            csv_path = out_dir / f"{stem}_{k}.csv"
            con.execute(f"COPY ({PART_SQL}) TO '{csv_path}' (FORMAT csv, HEADER true)",
                        {**params_base, "start": start, "stop": stop})
            _check_header(csv_path)
            if pending is not None:
                pending.join()
            if errors:
                raise errors[0]
            # Deflate this part while DuckDB writes the next one (zlib releases the GIL).
            pending = threading.Thread(target=_add_part, args=(zf, csv_path, errors, verbose, started))
            pending.start()
        if pending is not None:
            pending.join()
        if errors:
            raise errors[0]
    tmp_zip.replace(zip_path)
    return zip_path


def _add_part(zf: zipfile.ZipFile, csv_path: Path, errors: list[BaseException], verbose: bool,
              started: float) -> None:
    try:
        zf.write(csv_path, arcname=csv_path.name)
        csv_path.unlink()
        if verbose:
            print(f"  {csv_path.name} zipped ({time.perf_counter() - started:.0f} s)", flush=True)
    except BaseException as exc:  # re-raised by the main thread
        errors.append(exc)


def _check_header(csv_path: Path) -> None:
    with open(csv_path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
    if tuple(header) != FULL_COLUMNS:
        raise RuntimeError(f"{csv_path.name}: generated header does not match the documented 92 columns")


def _fy_start(fiscal_year: int):
    from datetime import date
    return date(fiscal_year - 1, 10, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fiscal-year", type=int, default=2023)
    ap.add_argument("--part-rows", type=int, default=PART_ROWS)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "work")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = generate(args.rows, args.out, seed=args.seed, fiscal_year=args.fiscal_year, part_rows=args.part_rows)
    print(f"{path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
