"""report.html: one self-contained page (inline CSS and JS, nothing fetched from the network).

Every text that came from a source (titles, agencies, messages, program numbers, run metadata)
goes through ``esc`` (html.escape): SAM.gov titles are free text typed by agencies.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from importlib import resources

from spendrecon.report.queries import Event, Finding, ReportData
from spendrecon.report.summary import (
    DASH, event_label, header_facts, money, staleness_note,
)
from warehouse.rules.registry import SEVERITIES

# Event lists are capped in the page to keep it small for big runs (first run: every finding is new);
# the largest come first and findings.csv has every row.
HTML_EVENT_ROWS = 500

_NUM_CLASS = ' class="num"'
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _asset(name: str) -> str:
    return resources.files("spendrecon.report").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def _host_only(source: str) -> str:
    """Sources are base URLs; show them without the scheme so the page holds no URL a viewer could follow."""
    return _SCHEME.sub("", source)


# --- cells --------------------------------------------------------------------------------------

def _text(value: str | None) -> str:
    return f"<td>{esc(value) if value else DASH}</td>"


# Cells with data-v are numbers: the stylesheet right-aligns them (no per-cell class, fewer bytes
# on big reports) and the script sorts by data-v.
def _money(amount: Decimal | None) -> str:
    # data-v carries the exact Decimal text so the sort never parses "$1,234.00".
    raw = "" if amount is None else format(amount, "f")
    return f'<td data-v="{raw}">{esc(money(amount))}</td>'


def _int(value: int) -> str:
    return f'<td data-v="{value}">{value:,}</td>'


def _year(fiscal_year: int) -> str:
    return f'<td data-v="{fiscal_year}">{fiscal_year}</td>'  # no thousands separator in a year


def _severity(severity: str) -> str:
    # data-v ranks error < warning < info so sorting the column orders by gravity, not alphabet.
    known = severity in SEVERITIES
    rank = SEVERITIES.index(severity) if known else len(SEVERITIES)
    cls = f" sev-{severity}" if known else ""
    return f'<td class="sv" data-v="{rank}"><span class="sev{cls}">{esc(severity)}</span></td>'


def _head(columns: Sequence[tuple[str, str]]) -> str:
    """columns: (label, kind); kind is "num" (largest first), "rank" (data-v ascending first) or "text".

    Every header is a button that sorts its column.
    """
    cells = "".join(
        f'<th{_NUM_CLASS if kind == "num" else ""} data-type="{kind}"><button type="button">{esc(label)}'
        f"</button></th>"
        for label, kind in columns
    )
    return f"<thead><tr>{cells}</tr></thead>"


def _table(columns: Sequence[tuple[str, str]], rows: Iterable[str], table_id: str | None = None) -> str:
    ident = f' id="{table_id}"' if table_id else ""
    return (f'<div class="scroll"><table class="sortable"{ident}>{_head(columns)}<tbody>\n'
            + "\n".join(rows) + "\n</tbody></table></div>")


# --- sections -----------------------------------------------------------------------------------

def _header(data: ReportData) -> str:
    facts = []
    for label, value in header_facts(data):
        if label.endswith("source"):
            value = _host_only(value)
        facts.append(f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>")
    opened = data.open_findings
    cards = [
        (f"{len(opened):,}", "open findings"),
        (f"{sum(1 for f in opened if f.status == 'new'):,}", "new in this run"),
        (f"{len(data.resolved_events):,}", "resolved by this run"),
        (money(data.total_at_stake), "dollars at stake"),
    ]
    parts = [
        "<header>",
        "<h1>spendrecon reconciliation report</h1>",
        f'<p class="sub">SAM.gov Assistance Listing obligations vs USAspending.gov obligations · '
        f'run <code>{esc(data.run.run_id)}</code></p>',
        '<div class="cards">' + "".join(f"<div class=\"card\"><b>{esc(v)}</b><span>{esc(k)}</span></div>"
                                       for v, k in cards) + "</div>",
        '<dl class="facts">' + "".join(facts) + "</dl>",
    ]
    note = staleness_note(data.run)
    if note:
        parts.append(f'<div class="note">{esc(note)}</div>')
    if data.run.warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in data.run.warnings)
        parts.append(f'<div class="warnings"><b>Warnings of the run</b><ul>{items}</ul></div>')
    parts.append("</header>")
    return "\n".join(parts)


def _rules(data: ReportData) -> str:
    rows = (
        f"<tr><td>{esc(t.title)}</td><td><code>{esc(t.rule_id)}</code></td>{_severity(t.severity)}"
        f"{_int(t.findings)}{_int(t.new)}{_money(t.at_stake)}</tr>"
        for t in data.rules
    )
    columns = [("Rule", "text"), ("Id", "text"), ("Severity", "rank"), ("Findings", "num"), ("New", "num"),
               ("Dollars at stake", "num")]
    return f'<section id="rules"><h2>Findings by rule</h2>{_table(columns, rows)}</section>'


def _gaps(data: ReportData) -> str:
    gaps = data.largest_gaps
    title = f"<h2>Largest gaps <span class=\"n\">(top {len(gaps)} by dollars at stake)</span></h2>"
    if not gaps:
        return f'<section id="gaps">{title}<p class="muted">No open findings.</p></section>'
    columns = [("Program", "text"), ("Title", "text"), ("Agency", "text"), ("FY", "num"), ("Rule", "text"),
               ("SAM.gov", "num"), ("USAspending", "num"), ("Difference", "num"), ("At stake", "num")]
    rows = (
        f"<tr><td>{esc(f.program_number)}</td>{_text(f.program_title)}{_text(f.agency)}"
        f"{_year(f.fiscal_year)}<td><code>{esc(f.rule_id)}</code></td>{_money(f.sam_amount)}"
        f"{_money(f.usaspending_amount)}{_money(f.difference)}{_money(f.at_stake)}</tr>"
        for f in gaps
    )
    return f'<section id="gaps">{title}{_table(columns, rows)}</section>'


def _agencies(data: ReportData) -> str:
    title = "<h2>By agency</h2>"
    if not data.agencies:
        return f'<section id="agencies">{title}<p class="muted">No program-years compared and no open findings.' \
               f"</p></section>"
    columns = [("Agency", "text"), ("Programs compared", "num"), ("SAM.gov actual", "num"),
               ("USAspending", "num"), ("Findings", "num"), ("Dollars at stake", "num")]
    rows = (
        f"<tr>{_text(a.agency)}{_int(a.programs)}{_money(a.sam_actual)}{_money(a.usaspending)}"
        f"{_int(a.findings)}{_money(a.at_stake)}</tr>"
        for a in data.agencies
    )
    return f'<section id="agencies">{title}{_table(columns, rows)}</section>'


def _events(section_id: str, title: str, events: Sequence[Event], show_event: bool) -> str:
    heading = f"<h2>{esc(title)} <span class=\"n\">({len(events):,})</span></h2>"
    if not events:
        return f'<section id="{section_id}">{heading}<p class="muted">None.</p></section>'
    columns = [("Program", "text"), ("Title", "text"), ("Agency", "text"), ("FY", "num"), ("Rule", "text"),
               ("SAM.gov", "num"), ("USAspending", "num"), ("At stake", "num")]
    if show_event:
        columns.insert(0, ("Event", "text"))
    rows = []
    for e in events[:HTML_EVENT_ROWS]:
        lead = f"<td>{esc(event_label(e.event))}</td>" if show_event else ""
        rows.append(
            f"<tr>{lead}<td>{esc(e.program_number)}</td>{_text(e.program_title)}{_text(e.agency)}"
            f"{_year(e.fiscal_year)}<td><code>{esc(e.rule_id)}</code></td>{_money(e.sam_amount)}"
            f"{_money(e.usaspending_amount)}{_money(e.at_stake)}</tr>"
        )
    more = ""
    if len(events) > HTML_EVENT_ROWS:
        more = (f'<p class="muted">Showing the {HTML_EVENT_ROWS:,} largest of {len(events):,}; '
                "findings.csv lists them all.</p>")
    return f'<section id="{section_id}">{heading}{_table(columns, rows)}{more}</section>'


def _finding_row(f: Finding) -> str:
    return (
        f'<tr data-rule="{esc(f.rule_id)}" data-severity="{esc(f.severity)}">{_severity(f.severity)}'
        f"<td><code>{esc(f.rule_id)}</code></td><td>{esc(f.program_number)}</td>"
        f"{_text(f.program_title)}{_text(f.agency)}{_year(f.fiscal_year)}{_money(f.sam_amount)}"
        f"{_money(f.usaspending_amount)}{_money(f.difference)}{_money(f.at_stake)}<td>{esc(f.status)}</td>"
        f"<td>{esc(f.first_seen_run_id)}</td><td class=\"msg\">{esc(f.message)}</td></tr>"
    )


def _all_findings(data: ReportData) -> str:
    opened = data.open_findings
    heading = f"<h2>All open findings <span class=\"n\">({len(opened):,})</span></h2>"
    if not opened:
        return f'<section id="all">{heading}<p class="muted">No open findings.</p></section>'
    rule_ids = list(dict.fromkeys([t.rule_id for t in data.rules] + [f.rule_id for f in opened]))
    titles = {t.rule_id: t.title for t in data.rules}
    severities = list(dict.fromkeys([*SEVERITIES, *(f.severity for f in opened)]))
    rule_options = "".join(f'<option value="{esc(r)}">{esc(titles.get(r, r))}</option>' for r in rule_ids)
    severity_options = "".join(f'<option value="{esc(s)}">{esc(s)}</option>' for s in severities)
    controls = (
        '<div class="controls">'
        '<input type="search" id="f-text" placeholder="Filter: program, title, agency, message…" '
        'aria-label="Filter findings">'
        f'<select id="f-rule" aria-label="Rule"><option value="">All rules</option>{rule_options}</select>'
        f'<select id="f-severity" aria-label="Severity"><option value="">All severities</option>'
        f"{severity_options}</select>"
        f'<span id="f-shown" class="muted">{len(opened):,} of {len(opened):,} shown</span></div>'
    )
    columns = [("Severity", "rank"), ("Rule", "text"), ("Program", "text"), ("Title", "text"), ("Agency", "text"),
               ("FY", "num"), ("SAM.gov", "num"), ("USAspending", "num"), ("Difference", "num"),
               ("At stake", "num"), ("Status", "text"), ("First seen", "text"), ("Message", "text")]
    table = _table(columns, (_finding_row(f) for f in opened), table_id="findings")
    return f'<section id="all">{heading}{controls}{table}</section>'


def render_html(data: ReportData) -> str:
    body = "\n".join([
        _header(data),
        _rules(data),
        _gaps(data),
        _agencies(data),
        _events("new", "New since the previous run", data.new_events, show_event=True),
        _events("resolved", "Resolved by this run", data.resolved_events, show_event=False),
        _all_findings(data),
        '<footer>Generated by spendrecon. findings.csv beside this page lists every open finding and those '
        "this run resolved. Amounts: SAM.gov actual (or estimate for estimate-only findings) and USAspending "
        "obligations; dollars at stake is the absolute difference, or the one amount that exists.</footer>",
    ])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>spendrecon report: run {esc(data.run.run_id)}</title>\n"
        f"<style>\n{_asset('report.css')}</style>\n</head>\n<body>\n{body}\n"
        f"<script>\n{_asset('report.js')}</script>\n</body>\n</html>\n"
    )
