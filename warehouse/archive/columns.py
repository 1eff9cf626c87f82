"""The columns of USAspending Award Data Archive assistance transaction files, and those the store keeps.

Full files carry the 92 D2 "Assistance_PrimeTransactions" columns in this order (usaspending-api,
download_column_historical_lookups.py); Delta files prepend ``correction_delete_ind``. Kept apart
from the reader, because the benchmark generator and the tests build files from the same list.
``SOURCES`` says which of them the archive store keeps, under which names and types.
"""
from __future__ import annotations

DELTA_INDICATOR = "correction_delete_ind"

FULL_COLUMNS: tuple[str, ...] = (
    "assistance_transaction_unique_key",
    "assistance_award_unique_key",
    "award_id_fain",
    "modification_number",
    "award_id_uri",
    "sai_number",
    "federal_action_obligation",
    "total_obligated_amount",
    "total_outlayed_amount_for_overall_award",
    "indirect_cost_federal_share_amount",
    "non_federal_funding_amount",
    "total_non_federal_funding_amount",
    "face_value_of_loan",
    "original_loan_subsidy_cost",
    "total_face_value_of_loan",
    "total_loan_subsidy_cost",
    "generated_pragmatic_obligations",
    "disaster_emergency_fund_codes_for_overall_award",
    "action_date",
    "action_date_fiscal_year",
    "awarding_agency_code",
    "awarding_agency_name",
    "awarding_sub_agency_code",
    "awarding_sub_agency_name",
    "awarding_office_code",
    "awarding_office_name",
    "funding_agency_code",
    "funding_agency_name",
    "funding_sub_agency_code",
    "funding_sub_agency_name",
    "funding_office_code",
    "funding_office_name",
    "treasury_accounts_funding_this_award",
    "federal_accounts_funding_this_award",
    "object_classes_funding_this_award",
    "program_activities_funding_this_award",
    "recipient_uei",
    "recipient_duns",
    "recipient_name",
    "recipient_name_raw",
    "recipient_parent_uei",
    "recipient_parent_duns",
    "recipient_parent_name",
    "recipient_parent_name_raw",
    "recipient_country_code",
    "recipient_country_name",
    "recipient_address_line_1",
    "recipient_address_line_2",
    "recipient_city_code",
    "recipient_city_name",
    "prime_award_transaction_recipient_county_fips_code",
    "recipient_county_name",
    "recipient_state_code",
    "recipient_state_name",
    "recipient_zip_code",
    "recipient_zip_last_4_code",
    "prime_award_transaction_recipient_cd_original",
    "prime_award_transaction_recipient_cd_current",
    "recipient_foreign_city_name",
    "recipient_foreign_province_name",
    "recipient_foreign_postal_code",
    "primary_place_of_performance_code",
    "cfda_number",
    "cfda_title",
    "funding_opportunity_number",
    "funding_opportunity_goals_text",
    "assistance_type_code",
    "assistance_type_description",
    "transaction_description",
    "prime_award_base_transaction_description",
    "business_funds_indicator_code",
    "business_funds_indicator_description",
    "business_types_code",
    "business_types_description",
    "correction_delete_indicator_code",
    "action_type_code",
    "action_type_description",
    "record_type_code",
    "record_type_description",
    "highly_compensated_officer_1_name",
    "highly_compensated_officer_1_amount",
    "highly_compensated_officer_2_name",
    "highly_compensated_officer_2_amount",
    "highly_compensated_officer_3_name",
    "highly_compensated_officer_3_amount",
    "highly_compensated_officer_4_name",
    "highly_compensated_officer_4_amount",
    "highly_compensated_officer_5_name",
    "highly_compensated_officer_5_amount",
    "usaspending_permalink",
    "initial_report_date",
    "last_modified_date",
)

DELTA_COLUMNS: tuple[str, ...] = (DELTA_INDICATOR, *FULL_COLUMNS)


# Amounts are stored to the cent, but a reader told "DECIMAL" rounds every digit past the scale it is
# given: as DECIMAL(18,2) "12.345" would silently become 12.35, as DECIMAL(18,4) "12.00001" 12.00 and
# "12.99995" 13.00. So the reader hands amounts over as text; SQL parses them as DECIMAL(18,4)
# (int64-backed; the range, under 1e14, is far beyond any one transaction) and quarantines
# (parts.PROBLEM) a text that does not parse, is in exponent form, or has a non-zero digit past the second
# decimal -- checked on the text itself, with a pattern run only on the rare texts with three or
# more characters after the point (or an "e"): every digit is seen, whatever its place. Reading a
# wider DECIMAL(38,24) instead was measured at ~1.3 CPU-s more per million rows (128-bit
# arithmetic); this costs a fraction of that (bench/README.md).
STORED_AMOUNT = "DECIMAL(18,2)"
READ_AMOUNT = "DECIMAL(18,4)"
# Stored column -> (names it may have in a file, the type DuckDB's CSV reader parses it as).
# Typed columns are parsed by the reader itself, so an unparseable value rejects the record with
# its line number instead of silently becoming NULL.
SOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    "assistance_transaction_unique_key": (("assistance_transaction_unique_key",), "VARCHAR"),
    "assistance_award_unique_key": (("assistance_award_unique_key",), "VARCHAR"),
    "cfda_number": (("cfda_number", "assistance_listing_number"), "VARCHAR"),
    "cfda_title": (("cfda_title", "assistance_listing_title"), "VARCHAR"),
    "action_date": (("action_date",), "DATE"),
    "action_date_fiscal_year": (("action_date_fiscal_year",), "INTEGER"),
    "assistance_type_code": (("assistance_type_code",), "VARCHAR"),
    "federal_action_obligation": (("federal_action_obligation",), READ_AMOUNT),
    "original_loan_subsidy_cost": (("original_loan_subsidy_cost",), READ_AMOUNT),
    "face_value_of_loan": (("face_value_of_loan",), READ_AMOUNT),
    "generated_pragmatic_obligations": (("generated_pragmatic_obligations", "generated_pragmatic_obligation"), READ_AMOUNT),
    "awarding_agency_code": (("awarding_agency_code",), "VARCHAR"),
    "awarding_agency_name": (("awarding_agency_name",), "VARCHAR"),
    "funding_agency_code": (("funding_agency_code",), "VARCHAR"),
    "funding_agency_name": (("funding_agency_name",), "VARCHAR"),
    "record_type_code": (("record_type_code",), "VARCHAR"),
    "recipient_name": (("recipient_name",), "VARCHAR"),
    "transaction_description": (("transaction_description",), "VARCHAR"),
    # The award's own description (its base transaction's); NULL from files that lack the column.
    "award_description": (("prime_award_base_transaction_description",), "VARCHAR"),
    # Provenance only: kept as text by the reader and parsed leniently, so an odd timestamp never
    # costs a transaction its place in the totals.
    "last_modified_date": (("last_modified_date",), "VARCHAR"),
    "correction_delete_ind": ((DELTA_INDICATOR,), "VARCHAR"),
}
# A file without one of these columns is refused whole: every row of it would be quarantined.
REQUIRED = ("assistance_transaction_unique_key", "cfda_number", "action_date", "assistance_award_unique_key")
AMOUNT_COLUMNS = [n for c, (names, t) in SOURCES.items() if t == READ_AMOUNT for n in names]
DATE_COLUMNS = ["action_date"]
