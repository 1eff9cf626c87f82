"""The data behind report.html, as one JSON document embedded in the data.

The page renders its views (overview, findings, program pages, changes) from this document in the
browser: one page per program for ~2,300 programs would otherwise mean megabytes of repeated markup.
Long lists go as {"cols": [...], "rows": [[...], ...]} (names once, not per row); the script turns
them back into objects. Money is the exact decimal text ("15000000.00"), null where a source gave no
figure: the script formats and sums it exactly (integer cents), and uses floats only to draw.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from spendrecon.report import overview, triage
from spendrecon.report.history import REASON_TEXT
from spendrecon.report.overview import amount
from spendrecon.report.data import Finding, ReportData
from spendrecon.report.summary import DASH, EXPLAINED_MEANING, header_facts, staleness_note, utc
from warehouse.money import NOT_REPORTED

SCHEMA_VERSION = 1
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

# Characters that could end the <script> element or open a comment/CDATA inside it, plus the two
# line separators some JavaScript parsers treated as newlines: JSON's \u escapes keep their meaning.
_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def embed(payload: Any) -> str:
    """JSON text that is safe inside <script type="application/json">: no '<' survives, so no source
    text ("</script>", "<!--") can end the element early, and JSON.parse restores every character."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _UNSAFE_RE.sub(lambda m: _UNSAFE[m.group(0)], text)


def host_only(source: str) -> str:
    """Sources are base URLs; show them without the scheme so the page holds no URL a viewer could follow."""
    return _SCHEME.sub("", source)


def _table(cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"cols": list(cols), "rows": [list(r) for r in rows]}


def _key(program_number: str, fiscal_year: int, rule_id: str) -> str:
    return f"{program_number}|{fiscal_year}|{rule_id}"


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment)


def build_payload(data: ReportData) -> dict[str, Any]:
    facts = [[label, host_only(value) if label.endswith("source") else value]
             for label, value in header_facts(data)]
    findings = [*data.findings, *data.earlier_resolved]
    return {
        "version": SCHEMA_VERSION,
        # A missing amount, and a program that names no agency, on the page (report-core.js).
        "missing": {"words": NOT_REPORTED, "dash": DASH, "agency": data.unknown_agency},
        # What explained and unexplained mean, in the words summary.md uses (one meaning: the triage bucket).
        "explainedMeaning": EXPLAINED_MEANING,
        "run": {
            "id": data.run.run_id,
            "isLatest": data.run.is_latest,
            "previous": data.run.previous_run_id,
            "fiscalYears": list(data.run.fiscal_years),
            "facts": facts,
            "note": staleness_note(data.run),
            "warnings": list(data.run.warnings),
        },
        "rules": [{"id": t.rule_id, "title": t.title, "severity": t.severity} for t in data.rules],
        "explanations": dict(data.explanation_titles),
        "reasons": dict(REASON_TEXT),  # why a finding resolved or reopened, in words (as summary.md says it)
        "programs": _programs(findings, data),
        "findings": _findings(findings, {_key(e.program_number, e.fiscal_year, e.rule_id) for e in data.events}),
        "notes": _notes(data),
        "reviews": _reviews(data),
        "history": _history(data),
        "events": _table(
            ("event", "program", "fy", "rule", "sam", "samFigure", "usas", "stake", "reason"),
            ((e.event, e.program_number, e.fiscal_year, e.rule_id, amount(e.sam_amount), e.sam_figure,
              amount(e.usaspending_amount), amount(e.at_stake), e.reason) for e in data.events)),
        "restatements": _table(
            ("source", "program", "fy", "measure", "old", "new", "change", "oldRun"),
            ((r.source, r.program_number, r.fiscal_year, r.measure, amount(r.old_value), amount(r.new_value),
              amount(r.change), r.old_run_id) for r in data.restatements)),
        "versions": _versions(data),
        "carried": _carried(data),
        "contextChanges": _context_changes(data),
        "runs": _table(
            ("id", "started", "finished", "status", "mode", "fys", "programYears", "open", "new", "resolved",
             "warnings"),
            ((r.run_id, _time(r.started_at), _time(r.finished_at), r.status, r.mode, list(r.fiscal_years),
              r.program_years, r.findings_open, r.findings_new, r.findings_resolved, r.warnings)
             for r in data.runs)),
        "overview": {
            "totals": overview.totals(data),
            "byRule": overview.by_rule(data),
            "byAgency": overview.by_agency(data),
            "byYear": overview.by_year(data),
            "triage": _triage(data),
        },
        "leads": _table(
            ("program", "fy", "rule", "severity", "sam", "samFigure", "usas", "stake", "reported"),
            ((lead.program_number, lead.fiscal_year, lead.rule_id, lead.severity, amount(lead.sam_amount),
              lead.sam_figure, amount(lead.usaspending_amount), amount(lead.stake), list(lead.reported_years))
             for lead in data.leads[:TOP_LEADS])),
        "leadCount": len(data.leads),
        "leadProgramYears": len({(lead.program_number, lead.fiscal_year) for lead in data.leads}),
        "leadStake": amount(data.leads_at_stake),
        # Each program-year with open findings: its bucket and its one amount, which every total of the page
        # sums (recon.program_year_triage), so no program-year counts twice.
        "programYearStakes": _table(
            ("program", "fy", "triage", "stake", "n", "expl"),
            ((py.program_number, py.fiscal_year, py.triage, amount(py.at_stake), py.findings, py.explanation)
             for py in data.program_year_stakes)),
        "nonReporting": _non_reporting(data),
    }


TOP_LEADS = 25


def _triage(data: ReportData) -> dict[str, Any]:
    """Open findings per triage bucket, for all rules ("all": each program-year once, in its most decisive
    finding's bucket) and per rule (each finding in its own): count, program-years, dollars."""
    def as_json(s: dict[str, triage.Bucket]) -> dict[str, Any]:
        return {b: {"n": v.findings, "py": len(v.program_years), "k": amount(v.at_stake)} for b, v in s.items()}
    return {"all": overview.by_bucket(data.program_year_stakes),
            "byRule": {t.rule_id: as_json(triage.split(data.findings, t.rule_id)) for t in data.rules}}


def _non_reporting(data: ReportData) -> dict[str, Any]:
    """One row per non-reporting program, with its years, dollars and characterizations."""
    codes: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for n in data.explanations:
        codes[(n.program_number, n.fiscal_year, n.rule_id)].append(n.explanation)
    rows = triage.non_reporting_programs(data.program_year_stakes, data.findings, codes)
    return _table(("program", "agency", "years", "n", "stake", "codes"),
                  ((r.program_number, r.agency, r.years, r.findings, amount(r.at_stake),
                    sorted(r.characterizations)) for r in rows))


def _programs(findings: Sequence[Finding], data: ReportData) -> dict[str, Any]:
    """Agencies once (an index per program), each program's title and its years:
    [fiscal_year, SAM.gov estimate, SAM.gov actual, USAspending obligations]."""
    agencies: dict[str, int] = {}
    programs: dict[str, dict[str, Any]] = {}

    def entry(number: str, title: str | None, agency: str | None) -> dict[str, Any]:
        found = programs.get(number)
        if found is None:
            index = agencies.setdefault(agency, len(agencies)) if agency else None
            found = programs[number] = {"title": title, "agency": index, "years": []}
        return found

    for py in data.program_years:
        entry(py.program_number, py.program_title, py.agency)["years"].append(
            [py.fiscal_year, amount(py.sam_estimate), amount(py.sam_actual), amount(py.usaspending_obligations)])
    for f in findings:  # a finding whose program is no longer in program_year still gets a page
        entry(f.program_number, f.program_title, f.agency)
    return {"agencies": list(agencies), "byNumber": programs}


def _findings(findings: Sequence[Finding], changed: set[str]) -> dict[str, Any]:
    # "now": this run changed the finding's status (new, reopened or resolved): it has an event of this run.
    # "staleReview": the review that no longer applies, in words; "ruleOff": its rule is switched off.
    return _table(
        ("program", "fy", "rule", "severity", "status", "now", "sam", "usas", "diff", "stake", "message",
         "firstSeen", "lastSeen", "expl", "explReason", "review", "reviewNote", "triage", "staleReview", "ruleOff",
         "samFigure"),
        ((f.program_number, f.fiscal_year, f.rule_id, f.severity, f.status,
          _key(f.program_number, f.fiscal_year, f.rule_id) in changed,
          amount(f.sam_amount), amount(f.usaspending_amount), amount(f.difference), amount(f.at_stake), f.message,
          f.first_seen_run_id, f.last_seen_run_id, f.explanation, f.explanation_reason, f.review_status,
          f.review_note, f.bucket, f.stale_review, f.rule_disabled, f.sam_figure) for f in findings))


def _notes(data: ReportData) -> dict[str, list[list[Any]]]:
    """Every explanation applying to a finding: [code, reason, related fiscal year], primary first."""
    notes: dict[str, list[list[Any]]] = defaultdict(list)
    for n in data.explanations:
        notes[_key(n.program_number, n.fiscal_year, n.rule_id)].append(
            [n.explanation, n.reason, n.related_fiscal_year])
    return dict(notes)


def _reviews(data: ReportData) -> dict[str, list[list[Any]]]:
    """The analyst's reviews per program: [fiscal year, rule (null: every rule), status, note, when, author]."""
    reviews: dict[str, list[list[Any]]] = defaultdict(list)
    for r in data.reviews:
        reviews[r.program_number].append([r.fiscal_year, r.rule_id, r.status, r.note, _time(r.annotated_at),
                                          r.author])
    return dict(reviews)


def _history(data: ReportData) -> dict[str, list[list[Any]]]:
    """Each finding's status changes, oldest first: [run id, event, SAM.gov amount, USAspending amount]."""
    history: dict[str, list[list[Any]]] = defaultdict(list)
    for e in data.history:
        history[_key(e.program_number, e.fiscal_year, e.rule_id)].append(
            [e.run_id, e.event, amount(e.sam_amount), amount(e.usaspending_amount)])
    return dict(history)


def _versions(data: ReportData) -> dict[str, list[list[Any]]]:
    """Per program, the totals that changed across runs: [fiscal year, source, measure, value, from run,
    until run (null: still current)], oldest first."""
    versions: dict[str, list[list[Any]]] = defaultdict(list)
    for v in data.figure_versions:
        versions[v.program_number].append([v.fiscal_year, v.source, v.measure, amount(v.value), v.valid_from_run,
                                           v.valid_to_run])
    return dict(versions)


def _carried(data: ReportData) -> dict[str, list[list[Any]]]:
    """Per program, the years whose figures are not simply this run's: [fiscal year, run the SAM.gov figure
    came from (null: said this run), the same for USAspending, the number SAM.gov renumbered the listing to
    (its figures count there), the run USAspending last reported the year in (its complete answer no
    longer holds it)]."""
    carried: dict[str, list[list[Any]]] = defaultdict(list)
    for py in data.program_years:
        if (py.sam_carried_from_run or py.usaspending_carried_from_run or py.sam_renumbered_to
                or py.usaspending_last_reported_run):
            carried[py.program_number].append([py.fiscal_year, py.sam_carried_from_run,
                                               py.usaspending_carried_from_run, py.sam_renumbered_to,
                                               py.usaspending_last_reported_run])
    return dict(carried)


def _context_changes(data: ReportData) -> dict[str, list[list[Any]]]:
    """Per program, SAM.gov's changes to its description up to this run: [run date, run, change, old, new]."""
    changes: dict[str, list[list[Any]]] = defaultdict(list)
    for c in data.context_changes:
        changes[c.program_number].append([c.run_date.isoformat(), c.run_id, c.change, c.old_value, c.new_value])
    return dict(changes)
