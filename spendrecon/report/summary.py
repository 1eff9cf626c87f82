"""summary.md: the run's report as Markdown (also published as a Prefect artifact).

Also home to the plain-text facts the HTML report shares, so both say exactly the same thing.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal

from spendrecon.report.history import SOURCE_LABEL, reason_text
from spendrecon.report.data import Event, Finding, ReportData, RunInfo
from warehouse.money import format_money, format_money_compact

EVENT_ROWS = 50  # rows per event list in Markdown; findings.csv has them all
PROGRAMS_SHOWN = 20  # a long --programs filter is cut short in the header
DASH = "—"  # a missing value in a table (warehouse/money.py: one rendering per medium)

# Characters that would start Markdown syntax (or raw HTML) inside a table cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


# --- shared plain-text formatting -------------------------------------------------------------

def money(amount: Decimal | None) -> str:
    """One figure for people (a source's amount, a finding's difference or dollars at stake), exact: NULL (no
    figure) is a dash, never 'no figure' squeezed into a number column."""
    return DASH if amount is None else format_money(amount)


def total(amount: Decimal | None) -> str:
    """A sum over many program-years, in a summary (headline, totals table): rounded to a readable unit
    ($2.41T, $86.47B), so no trillion carries cents. The exact figures are the findings' (findings.csv), and
    report.html shows each total's exact figure as its tooltip."""
    return format_money_compact(amount)  # a dash for NULL, as money()


def utc(moment: datetime | None) -> str:
    if moment is None:
        return DASH
    if moment.tzinfo is not None:  # TIMESTAMPTZ: normalise; naive TIMESTAMPs are already UTC
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(started: datetime, finished: datetime | None) -> str:
    if finished is None:
        return ""
    seconds = max(0, int((finished - started).total_seconds()))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def programs_text(programs: Sequence[str] | None) -> str:
    if programs is None:
        return "all programs"
    if not programs:
        return "none"
    shown = ", ".join(programs[:PROGRAMS_SHOWN])
    more = len(programs) - PROGRAMS_SHOWN
    return f"{shown} … and {more} more" if more > 0 else shown


def header_facts(data: ReportData) -> list[tuple[str, str]]:
    """The run header as (label, value) pairs of plain text; each renderer escapes them its own way."""
    run: RunInfo = data.run
    finished = utc(run.finished_at)
    took = duration(run.started_at, run.finished_at)
    opened = data.open_findings
    new = sum(1 for f in opened if f.status == "new")
    return [
        ("Run", run.run_id),
        ("Started", utc(run.started_at)),
        ("Finished", f"{finished} (took {took})" if took else finished),
        ("Mode", run.mode),
        ("Fiscal years", ", ".join(f"FY{y}" for y in run.fiscal_years) or DASH),
        ("Programs", programs_text(run.programs)),
        ("SAM.gov source", run.sam_source or DASH),
        ("USAspending source", run.usaspending_source or DASH),
        ("Requests", f"SAM.gov {count(run.sam_requests)} · USAspending {count(run.usaspending_requests)}"),
        ("Fetched", f"{count(run.sam_listings)} SAM.gov listings · {count(run.usaspending_rows)} USAspending rows"),
        ("Program-years compared", count(run.program_years)),
        ("Findings", f"{len(opened):,} open ({new:,} new) · {len(data.resolved_events):,} resolved by this run"
                     + switched_off_text(data)),
        ("Dollars at stake", f"{total(data.total_at_stake)} over {len(data.program_year_stakes):,} program-years "
                             "(each counted once, at the largest of its findings)"),
        ("Explained", explained_text(data)),
        ("Triage", triage_text(data)),
        ("Previous run", run.previous_run_id or "none (first run)"),
    ]


def share(part: Decimal, whole: Decimal) -> str:
    """A percentage for people; never "100%" or "0%" unless exactly so."""
    if not whole:
        return DASH
    pct = part / whole * 100
    if 0 < pct < 1:
        return "<1%"
    if 99 < pct < 100:
        return ">99%"
    return f"{pct:.0f}%"


# What "explained" and "unexplained" mean, said once for every place that splits findings or dollars so
# (summary.md, report.html's overview, Findings tab and program pages): by the triage bucket (macro is_explained).
EXPLAINED_MEANING = ("Explained: a legitimate cause is known, or the SAM.gov actual is not due yet (the legitimate "
                     "and pending buckets). Unexplained: everything else - systemic non-reporting and leads.")


def explained_text(data: ReportData) -> str:
    """Program-years with a known reason (a legitimate cause, or the SAM.gov actual not due yet) and their
    dollars, against the rest."""
    stakes = data.program_year_stakes
    explained = sum(1 for s in stakes if s.is_explained)
    dollars = data.explained_at_stake
    unexplained = data.total_at_stake - dollars
    return (f"{explained:,} of {len(stakes):,} program-years · {total(dollars)} "
            f"({share(dollars, data.total_at_stake)} of dollars at stake); unexplained {total(unexplained)} "
            "(non-reporting and leads)")


TRIAGE_WORDS = {"pending": "pending", "legitimate": "legitimate", "non_reporting": "non-reporting", "lead": "lead",
                "restatement": "restatement"}


def triage_text(data: ReportData) -> str:
    """Program-years and dollars per bucket, each program-year once, in its most decisive finding's bucket."""
    from spendrecon.report.triage import BUCKETS, split_program_years

    s = split_program_years(data.program_year_stakes)
    return " · ".join(f"{'leads' if b == 'lead' else TRIAGE_WORDS[b]} {len(s[b].program_years):,} "
                      f"({total(s[b].at_stake)})" for b in BUCKETS)


def sam_money(amount: Decimal | None, sam_figure: str | None) -> str:
    """A SAM.gov figure for people, an estimate labelled as one: it stands next to actuals."""
    return money(amount) + (" (estimate)" if amount is not None and sam_figure == "estimate" else "")


def rule_words(data: ReportData, rule_id: str) -> str:
    """A rule in words with its id beside it, for Markdown: "SAM.gov actual with no USAspending obligations
    (actual\\_not\\_in\\_usaspending)"."""
    titles = {t.rule_id: t.title for t in data.rules}
    title = titles.get(rule_id)
    return f"{md(title)} ({md(rule_id)})" if title else md(rule_id)


def switched_off_text(data: ReportData) -> str:
    """Findings of switched-off rules, kept as they were and counted nowhere: said beside the open count."""
    kept = data.switched_off
    if not kept:
        return ""
    return f" · {sum(kept.values()):,} kept aside: rule switched off ({', '.join(sorted(kept))})"


def cause_text(event: Event, run_id: str) -> str:
    """Why a finding resolved or reopened, and when the cause happened if not in this run: only a rule
    switched off in between leaves the figures that caused it in an earlier run."""
    why = reason_text(event.reason)
    if event.cause_run_id and event.cause_run_id != run_id:
        why += f" (in run {event.cause_run_id}, while the rule was switched off)"
    return why


def staleness_note(run: RunInfo) -> str | None:
    """Say so where the findings shown are not the ones the run wrote: a run from before the versions,
    rebuilt from its findings' events (warehouse/as_of.py), or an older run read without a rebuild."""
    if run.from_events:
        return ("This run is older than the versions spendrecon keeps of what a report shows (meta.runs.versioned): "
                "its findings are rebuilt from their events, with the status, amounts and triage they had then but "
                "today's messages, severity, reviews, titles and agencies, so this may differ from the report the "
                "run wrote.")
    if run.is_latest:
        return None
    return ("A later run exists: the findings tables show the warehouse's current findings, "
            "not the state right after this run. The new/resolved lists are this run's own.")


def event_label(event: str) -> str:
    return {"new": "new", "reopened": "reopened", "resolved": "resolved"}.get(event, event)


# --- Markdown ---------------------------------------------------------------------------------

def md(text: object) -> str:
    """Source text inside Markdown: escape syntax characters so a title can't become markup or break a table."""
    flat = " ".join(str(text).split())
    return _MD_ENTITY.sub(r"\\&", _MD_SPECIAL.sub(r"\\\1", flat))


def md_or_dash(text: str | None) -> str:
    return DASH if text is None or not text.strip() else md(text)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """A GitHub-flavoured table; `right` are the column indexes to right-align (numbers)."""
    align = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(data: ReportData) -> str:
    lines = [f"# spendrecon reconciliation report: run {md(data.run.run_id)}", ""]
    lines += _table(["", ""], [(f"**{label}**", md(value)) for label, value in header_facts(data)])
    note = staleness_note(data.run)
    if note:
        lines += ["", f"> **Note:** {md(note)}"]
    if data.run.warnings:
        lines += ["", "### Warnings of the run", ""]
        lines += [f"- {md(w)}" for w in data.run.warnings]
    lines += ["", *_leads_section(data), "", *_stale_reviews_section(data), "", *_triage_section(data)]
    lines += ["", *_rules_section(data), "", *_gaps_section(data), "", *_agency_section(data), ""]
    lines += _events_section(data, "New since the previous run", data.new_events, show_event=True)
    lines += [""]
    lines += _events_section(data, "Resolved by this run", data.resolved_events, show_event=False, show_reason=True,
                             run_id=data.run.run_id)
    lines += ["", *_restatements_section(data)]
    lines += ["", "_Every open finding, and those this run resolved, are listed in findings.csv._", ""]
    return "\n".join(lines)


def _rules_section(data: ReportData) -> list[str]:
    # Explained (a legitimate cause, or the figure not due yet) and unexplained side by side: the
    # unexplained dollars are the ones worth an analyst's time. A rule's row has its findings' own dollars;
    # the total counts each program-year once, so it is less than the rows' sum where rules share one.
    rows = [(md(t.title), md(t.rule_id), t.severity, f"{t.findings:,}", f"{t.new:,}", total(t.at_stake),
             f"{t.explained:,}", total(t.explained_at_stake), f"{t.unexplained:,}", total(t.unexplained_at_stake))
            for t in data.rules]
    all_rules = [("**All rules**", "", "", f"{sum(t.findings for t in data.rules):,}",
                  f"{sum(t.new for t in data.rules):,}", total(data.total_at_stake),
                  f"{sum(t.explained for t in data.rules):,}", total(data.explained_at_stake),
                  f"{sum(t.unexplained for t in data.rules):,}", total(data.total_at_stake - data.explained_at_stake))]
    headers = ["Rule", "Id", "Severity", "Findings", "New", "Dollars at stake", "Explained", "Explained dollars",
               "Unexplained", "Unexplained dollars"]
    return ["## Findings by rule", "",
            "_A rule's dollars are its findings'; All rules counts each program-year once, at the largest of its "
            f"findings (a program-year two rules flag is one gap). {md(EXPLAINED_MEANING)}_", "",
            *_table(headers, [*rows, *all_rules], right=tuple(range(3, 10)))]


LEADS_SHOWN = 25


def _leads_section(data: ReportData) -> list[str]:
    # Leads first: no figure pending, no legitimate cause found and no systemic non-reporting - where money
    # may really be missing or misfiled. By severity, then the program-year's dollars at stake.
    leads = data.leads
    program_years = len({(lead.program_number, lead.fiscal_year) for lead in leads})
    head = [f"## Leads: {len(leads):,} findings on {program_years:,} program-years, "
            f"{total(data.leads_at_stake)} at stake", "",
            "_Open findings with no figure pending, no legitimate explanation and no systemic non-reporting: the "
            "program reports to USAspending in other years (listed), but not like this here. By severity, then "
            "the program-year's dollars at stake (each program-year once, at the largest of its findings)._", ""]
    if not leads:
        return [*head, "No leads."]
    rows = [[lead.severity, md(lead.program_number), md_or_dash(lead.program_title), md_or_dash(lead.agency),
             str(lead.fiscal_year), rule_words(data, lead.rule_id),
             sam_money(lead.sam_amount, lead.sam_figure), money(lead.usaspending_amount), money(lead.stake),
             ", ".join(f"FY{y}" for y in lead.reported_years) or DASH]
            for lead in leads[:LEADS_SHOWN]]
    lines = [*head, *_table(["Severity", "Program", "Title", "Agency", "FY", "Rule", "SAM.gov", "USAspending",
                             "At stake (program-year)", "USAspending reports in"], rows, right=(4, 6, 7, 8))]
    if len(leads) > LEADS_SHOWN:
        lines += ["", f"… and {len(leads) - LEADS_SHOWN:,} more in recon.leads "
                      "(`spendrecon findings --leads`)."]
    return lines


def _stale_reviews_section(data: ReportData) -> list[str]:
    # The analyst's queue: a review is of the figures it saw; these moved past the review tolerance,
    # reopened, or are findings the review was given before.
    stale = data.stale_reviews
    head = [f"## Reviews to look at again: {len(stale):,}", "",
            "_Open findings whose review no longer applies: the difference moved since, the finding reopened, "
            "or it did not exist when the review was given. Shown as needs-review; the old review beside it._", ""]
    if not stale:
        return [*head, "None."]
    rows = [[md(f.program_number), md_or_dash(f.program_title), str(f.fiscal_year), rule_words(data, f.rule_id),
             money(f.at_stake),
             md_or_dash(f.stale_review), md_or_dash(f.review_note)] for f in stale[:EVENT_ROWS]]
    lines = [*head, *_table(["Program", "Title", "FY", "Rule", "At stake", "The review was", "Its note"], rows,
                            right=(2, 4))]
    if len(stale) > EVENT_ROWS:
        lines += ["", f"… and {len(stale) - EVENT_ROWS:,} more (`spendrecon findings --stale-reviews`)."]
    return lines


def _triage_section(data: ReportData) -> list[str]:
    from spendrecon.report.triage import BUCKET_LABELS, BUCKETS, split, split_program_years

    rule_ids = [t.rule_id for t in data.rules]
    splits = ([("**All rules**", split_program_years(data.program_year_stakes))]
              + [(rule_words(data, r), split(data.findings, r)) for r in rule_ids])
    headers = ["Rule"] + [f"{BUCKET_LABELS[b]}: program-years / $" for b in BUCKETS]
    rows = [[label] + [f"{len(s[b].program_years):,} / {total(s[b].at_stake)}" for b in BUCKETS]
            for label, s in splits]
    return ["## Triage of open findings", "",
            "_Pending: the SAM.gov actual a rule needs is not due yet (a wait). Legitimate: a known cause that is "
            "no reporting failure. Systemic non-reporting: the program never reports to USAspending, or its listing "
            "to SAM.gov, or its whole (sub-)agency reports nothing that year. Leads: none of these. All rules: each "
            "program-year once, in its most decisive finding's bucket, so the buckets add up to the dollars at "
            "stake; per rule, each finding in its own._", "",
            *_table(headers, rows, right=(1, 2, 3, 4))]


def _gaps_section(data: ReportData) -> list[str]:
    gaps = data.largest_gaps
    head = [f"## Largest gaps (top {len(gaps)} by dollars at stake)", ""]
    if not gaps:
        return [*head, "No open findings."]
    return [*head, *_table(
        ["Program", "Title", "Agency", "FY", "Rule", "SAM.gov", "USAspending", "Difference", "At stake", "Triage"],
        [_gap_row(data, f) for f in gaps], right=(3, 5, 6, 7, 8))]


def _gap_row(data: ReportData, f: Finding) -> list[str]:
    return [md(f.program_number), md_or_dash(f.program_title), md_or_dash(f.agency), str(f.fiscal_year),
            rule_words(data, f.rule_id), sam_money(f.sam_amount, f.sam_figure), money(f.usaspending_amount),
            money(f.difference), money(f.at_stake), TRIAGE_WORDS.get(f.bucket, f.bucket)]


def _agency_section(data: ReportData) -> list[str]:
    head = ["## By agency", ""]
    agencies = [a for a in data.agencies if a.in_scope]
    if not agencies:
        return [*head, "No program-years compared and no open findings."]
    rows = [(md(a.agency), f"{a.programs:,}", total(a.sam_actual), total(a.usaspending_obligations), f"{a.findings:,}",
             total(a.at_stake)) for a in agencies]
    return [*head, *_table(["Agency", "Programs compared", "SAM.gov actual", "USAspending", "Findings",
                            "Dollars at stake"], rows, right=(1, 2, 3, 4, 5))]


def _events_section(data: ReportData, title: str, events: Sequence[Event], show_event: bool, show_reason: bool = False,
                    run_id: str = "") -> list[str]:
    head = [f"## {title}: {len(events):,}", ""]
    if not events:
        return [*head, "None."]
    headers = ["Program", "Title", "FY", "Rule", "SAM.gov", "USAspending", "At stake"]
    if show_event:
        headers.insert(0, "Event")
    if show_reason:
        headers.append("Why")
    rows = []
    for e in events[:EVENT_ROWS]:
        row = [md(e.program_number), md_or_dash(e.program_title), str(e.fiscal_year), rule_words(data, e.rule_id),
               sam_money(e.sam_amount, e.sam_figure), money(e.usaspending_amount), money(e.at_stake)]
        if show_reason:
            row.append(md_or_dash(cause_text(e, run_id) or None))
        rows.append([event_label(e.event), *row] if show_event else row)
    offset = 1 if show_event else 0
    lines = [*head, *_table(headers, rows, right=(2 + offset, 4 + offset, 5 + offset, 6 + offset))]
    if len(events) > EVENT_ROWS:
        lines += ["", f"… and {len(events) - EVENT_ROWS:,} more (largest shown first; see findings.csv)."]
    return lines


def _restatements_section(data: ReportData) -> list[str]:
    """Completed years whose figure a source changed since an earlier run (recon.restatements)."""
    found = data.restatements
    head = [f"## Restated since the previous run: {len(found):,}", ""]
    if not found:
        return [*head, "None."]
    rows = [(md(SOURCE_LABEL.get(r.source, r.source)), md(r.program_number), str(r.fiscal_year), md(r.measure),
             money(r.old_value), money(r.new_value), money(r.change), md(r.old_run_id))
            for r in found[:EVENT_ROWS]]
    lines = [*head, *_table(["Source", "Program", "FY", "Figure", "Was", "Now", "Change", "Said in run"], rows,
                            right=(2, 4, 5, 6))]
    if len(found) > EVENT_ROWS:
        lines += ["", f"… and {len(found) - EVENT_ROWS:,} more (largest first; all in recon.restatements)."]
    return lines
