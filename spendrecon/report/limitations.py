"""The "Known limitations" page: what a SAM.gov-vs-USAspending comparison cannot see, and what
spendrecon itself does not check.

GAO faulted the Federal Program Inventory for not disclosing its data's limits (GAO-26-107551); this
page is spendrecon's disclosure. The text is ours; the facts behind it are collected in the project's
source notes (docs: source-apis §4, landscape §1.3 and §3). Only the rule tolerances and the run's
fiscal years are filled in: the settings the run recorded (meta.runs.settings), or for a run older
than that record the rule registry's defaults.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from spendrecon.report.data import RunInfo
from warehouse.explanations.registry import load_explanations
from warehouse.money import format_money
from warehouse.rules.registry import Rule

# (heading, paragraphs): why the two sources can legitimately disagree.
_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Loans are counted at different values", (
        "For direct loans and loan guarantees, USAspending's obligation is the subsidy cost: an estimate, "
        "in present value, of what the loan will cost the government. It is usually a small fraction of the "
        "amount lent and can be negative. The transaction-level obligation field is zero or blank for loans. "
        "A SAM.gov listing may instead report the face value lent or guaranteed, because agencies were never "
        "told which measure to enter there.",
        "A loan program can therefore look like billions of dollars missing from USAspending when both "
        "figures are correct. The loan_basis explanation marks likely cases from the loan share of the "
        "listing; it cannot confirm which measure the agency used.",
    )),
    ("USAspending nets out deobligations of earlier awards", (
        "A USAspending fiscal-year total adds up every transaction dated in that year, including "
        "downward adjustments to awards made in earlier years. A program with few new awards can show a "
        "small or even negative total. SAM.gov figures may or may not net out these adjustments, and the "
        "listing does not say which.",
    )),
    ("Money can be assigned to different fiscal years", (
        "USAspending places a transaction in the fiscal year of its action date. SAM.gov reports "
        "obligations by the budget fiscal year in which the agency booked them. Multi-year and "
        "forward-funded awards can therefore land in neighbouring years, making one year look high and "
        "the next look low. The fiscal_year_shift explanation catches the cases where one year's gap is "
        "matched by the adjacent year. It misses money spread across several years.",
    )),
    ("Both sources change after the fact", (
        "Agencies overwrite SAM.gov listings in place. Estimates are replaced by actuals, most often in "
        "the autumn after OMB's annual data call, and a listing keeps only a short window of recent, "
        "current and budget years. spendrecon sees the listing as it stands on the day of the run. It "
        "cannot recover an earlier version except through its own findings history.",
        "USAspending keeps receiving late submissions and corrections. Its monthly archive files are "
        "snapshots, while its website and API are updated daily, so the same program-year can differ "
        "between the two. A finding can appear or disappear between runs with no change in actual spending.",
    )),
    ("Aggregate and redacted records", (
        "Payments to individuals reach USAspending as aggregate records (recipient \u201cMULTIPLE "
        "RECIPIENTS\u201d) or as records with personal details removed. Their dollars count in the totals "
        "compared here. But how finely they are aggregated is up to each agency, so award counts, "
        "recipients and places for these programs do not line up with program-level reporting.",
    )),
    ("A program is not always the same number in both systems", (
        "Agencies decide how to split their appropriations into Assistance Listings. A new award must "
        "carry a listing number that is active on its action date. Renumbered, split and archived "
        "programs therefore appear under different numbers in the two systems. One award can also carry "
        "several numbers, and some awards are recorded under a related or umbrella number.",
        "spendrecon matches by number only and does not follow renumberings. The unlisted_program "
        "explanation marks USAspending money under a number that SAM.gov does not list, or lists only as "
        "archived. The reported_under_other_aln explanation pairs a gap under one number with a matching "
        "excess (within 0.5% by default) under exactly one other number of the same agency in the same "
        "year; with two candidates, or a candidate already explained by a year shift, it says nothing.",
    )),
    ("Some obligations produce no awards", (
        "SAM.gov obligation tables can include lines that never become awards reported to USAspending. "
        "Examples are the \u201cSalaries and Expenses\u201d assistance type and non-financial assistance "
        "such as advisory services, training or the use of property. GAO found that 451 of the 2,183 "
        "catalog programs made no award subject to reporting in FY2012. The non_award_lines explanation "
        "marks gaps that these lines account for.",
    )),
    ("Under-reporting is real, and looks like the cases above", (
        "USAspending is only as complete as agency submissions. GAO found about $619 billion of FY2012 "
        "assistance across 342 programs that was not properly reported. In FY2022, 49 of 152 agencies "
        "in the government's financial statements did not report to USAspending. Catching such gaps is "
        "the point of this comparison.",
        "From the totals alone, a reporting failure can look just like a loan, a deobligation or a "
        "fiscal-year shift. Explanation codes are heuristics: a code means a known, legitimate cause fits "
        "the numbers, not that the agency confirmed it. \u201cUnexplained\u201d means no such cause was "
        "found, not that the money is wrong. The never_reported and agency_silent characterizations mark "
        "systemic non-reporting (a program with no USAspending obligations in any year held, or a "
        "(sub-)agency with none in a year): they describe the gap, they do not explain it away. The rest "
        "are leads.",
    )),
)


def _rule_params(rules: Sequence[Rule], run: RunInfo) -> dict[str, dict[str, Decimal]]:
    """Each rule's parameters as the run applied them, or the registry's defaults for an older run."""
    if run.settings is not None:
        return {rule_id: {k: Decimal(v) for k, v in recorded.get("params", {}).items()}
                for rule_id, recorded in run.settings.get("rules", {}).items()}
    return {r.id: dict(r.params) for r in rules}


def _pending_lag(run: RunInfo) -> str:
    """The lag after which a year's SAM.gov actuals are due, as the run applied it (else the registry's)."""
    applied = ((run.settings or {}).get("explanations", {}).get("sam_actual_not_yet_due") or {}).get("params", {})
    if "lag_months" in applied:
        return str(applied["lag_months"])
    found = next((e for e in load_explanations() if e.kind == "pending"), None)
    return str(found.params.get("lag_months")) if found else "some"


def _own_limits(rules: Sequence[Rule], run: RunInfo) -> tuple[str, ...]:
    """What spendrecon itself leaves out, with the tolerances the run used (see _rule_params)."""
    params = _rule_params(rules, run)
    mismatch = params.get("amount_mismatch", {})
    floor = params.get("actual_not_in_usaspending", {}).get("min_amount")
    years = ", ".join(f"FY{y}" for y in run.fiscal_years) or "the fiscal years of the run"
    recorded = run.settings is not None
    which = "In this run" if recorded else "By default"
    limits = []
    if "abs_tolerance" in mismatch and "rel_tolerance" in mismatch:
        limits.append(
            f"Tolerance is a choice. {which}, amount_mismatch flags a program-year only when the two "
            f"figures differ by more than {_money(mismatch['abs_tolerance'])} and by more than "
            f"{_percent(mismatch['rel_tolerance'])} of the larger side. Smaller gaps count as agreement. "
            + ("spendrecon.yaml can change these thresholds; the settings this run used are listed below. "
               if recorded else "spendrecon.yaml can change these thresholds, and this run's record does not "
               "say which values it used (it is older than that record). ")
            + "Other thresholds would give other counts. Sunlight Foundation's Clearspending, for "
            "example, flagged only gaps above 50%.")
    if floor is not None:
        limits.append(f"{which}, the existence rules ignore amounts under {_money(floor)}, so small "
                      "programs missing from one source are not flagged.")
    limits += [
        f"This run compared {years}. SAM.gov listings carry only a rolling window of recent years, so "
        "older years cannot be checked against the live listing. USAspending's API serves no data before "
        "FY2008, so years before that cannot be compared at all.",
        "The fiscal year in progress is incomplete in both sources. Findings for it are marked "
        "partial_year, and they will change.",
        f"A completed year's SAM.gov actuals arrive in each listing's annual update during the following "
        f"year. Until they are due ({_pending_lag(run)} months after the year ends, or once most listings "
        "showing the year report one), a finding that waits for one is pending (sam_actual_not_yet_due), not a "
        "lead. Timing is judged by the run date, and the lag is an average: a listing may report later.",
        "Only program totals per fiscal year are compared. Awards, recipients, places and dates are not "
        "checked. GAO found that only 2\u20137% of sampled awards matched agency records on every field, "
        "and totals that agree can still hide such errors.",
        "SAM.gov estimates are compared only by the estimate_only rule, which flags a completed year that "
        "still has no actual. The other rules use actuals. SAM.gov lines for each assistance type, and "
        "Recovery Act lines, are summed per year before comparing.",
        "The findings tables show the warehouse's current findings. The history of each finding, and the "
        "\u201cChanges\u201d page, show what each run changed.",
        "Review statuses and notes are copied from the analyst's annotation file as entered. spendrecon "
        "does not check them.",
    ]
    return tuple(limits)


def _money(value: Decimal) -> str:
    return format_money(value).removesuffix(".00")


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def render_limitations(rules: Sequence[Rule], run: RunInfo) -> str:
    """The page as HTML; every sentence is escaped even though none comes from a source."""
    esc = html.escape
    parts = [
        '<h2>Known limitations</h2>',
        '<p class="lead">A gap between SAM.gov and USAspending is a lead, not a verdict. This page lists '
        "what the comparison cannot see, so that no figure in this report is read as more than it is. "
        "GAO faulted the Federal Program Inventory for not disclosing limits like these (GAO-26-107551).</p>",
        '<h3>Why the two sources can disagree even when both are right</h3>',
    ]
    for heading, paragraphs in _SOURCES:
        body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        parts.append(f'<div class="limit"><h4>{esc(heading)}</h4>{body}</div>')
    parts.append("<h3>What spendrecon itself does not check</h3>")
    parts.append("<ul class=\"limits\">" + "".join(f"<li>{esc(t)}</li>" for t in _own_limits(rules, run)) + "</ul>")
    if run.settings is not None:
        parts += _settings_table(run.settings, rules)
    return "\n".join(parts)


def _settings_table(settings: Mapping[str, Mapping[str, Mapping[str, Any]]], rules: Sequence[Rule]) -> list[str]:
    """The rule and explanation settings the run used, after spendrecon.yaml's overrides."""
    esc = html.escape

    def shown(name: str, value: str) -> str:
        if name.startswith("rel_") or name.endswith("_share"):
            return _percent(Decimal(value))
        if name.endswith(("_tolerance", "_amount")):
            return _money(Decimal(value))
        return value

    def described(recorded: Mapping[str, Any]) -> str:
        switches = ([f"enabled: {'on' if recorded['enabled'] else 'off'}"] if "enabled" in recorded else []) + (
            [f"severity: {recorded['severity']}"] if "severity" in recorded else [])
        params = [f"{name}: {shown(name, value)}" for name, value in recorded.get("params", {}).items()]
        return ", ".join(switches + params) or "no settings"

    # Each rule and explanation in words, its key in spendrecon.yaml beside it.
    titles = {"rules": {r.id: r.title for r in rules},
              "explanations": {e.id: e.title for e in load_explanations()}}
    rows = [f"<tr><td>{esc(titles[kind].get(item, item))}</td><td><code>{esc(kind)}.{esc(item)}</code></td>"
            f"<td>{esc(described(recorded))}</td></tr>"
            for kind in ("rules", "explanations") for item, recorded in settings.get(kind, {}).items()]
    return ["<h3>The settings this run used</h3>",
            "<p>Rules and explanations as spendrecon.yaml set them for this run (meta.runs.settings).</p>",
            f'<table class="settings"><tbody>{"".join(rows)}</tbody></table>']
