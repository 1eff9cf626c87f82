"""report.html in a real browser: the demo run's report, opened from file:// in headless Chromium.

Chromium is the system one (Debian's `chromium` package, installed by `make test` when missing);
Playwright only drives it, so nothing is ever downloaded (never `playwright install`). Without
Chromium the test is skipped locally and fails in CI (the CI variable is set).

SPENDRECON_UPDATE_SCREENSHOT=1 also copies the overview screenshot to docs/report-screenshot.png.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from spendrecon.config import load_settings
from spendrecon.pipeline import plan_run
from spendrecon.report import write_report

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = REPO / "docs" / "report-screenshot.png"
# A review note that would run script if the page ever treated source text as markup.
HOSTILE_NOTE = 'Agency confirms <img src=x onerror="window.__pwned=1"> the shift </script>'
# Closed network, running as root in a container: no sandbox, no background traffic, no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
]
_PAYLOAD = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def _chromium() -> str | None:
    """SPENDRECON_CHROMIUM if set, else the first Chromium/Chrome binary on the usual paths."""
    wanted = os.environ.get("SPENDRECON_CHROMIUM")
    candidates = [wanted] if wanted else [
        "/usr/bin/chromium", "/usr/bin/chromium-browser",
        *(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome"))]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test (`make test` installs Chromium with apt-get)")
    pytest.skip(f"{reason}; `make test` installs it (needs root or sudo), or set SPENDRECON_CHROMIUM")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        _unavailable("no Chromium found (Debian/Ubuntu package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -e '.[test]')")
    with sync_playwright() as p:
        # Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _add_review(warehouse: Path) -> None:
    """An analyst's review of 97.102 FY2022, as the annotation step leaves it in the warehouse."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("UPDATE recon.findings SET review_status = 'accepted', review_note = $note "
                    "WHERE program_number = '97.102' AND fiscal_year = 2022", {"note": HOSTILE_NOTE})
        con.execute("INSERT INTO recon.annotations (program_number, fiscal_year, rule_id, status, note, annotated_at, "
                    "author) VALUES ('97.102', 2022, NULL, 'accepted', $note, TIMESTAMP '2025-01-15 10:00:00', 'ana')",
                    {"note": HOSTILE_NOTE})
    finally:
        con.close()


@pytest.fixture(scope="module")
def report(run_flow, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo run (FY2019-2023, bundled data, no network) and its report.html."""
    tmp = tmp_path_factory.mktemp("browser")
    settings = load_settings(None, overrides={
        "fiscal_years": [2019, 2020, 2021, 2022, 2023], "warehouse": str(tmp / "w.duckdb"),
        "reports_dir": str(tmp / "reports"), "data_dir": str(tmp / "data")})
    run_flow(plan_run(settings, demo=True))
    _add_review(tmp / "w.duckdb")
    return write_report(tmp / "w.duckdb", tmp / "reports") / "report.html"


@pytest.fixture(scope="module")
def payload(report: Path) -> dict[str, Any]:
    match = _PAYLOAD.search(report.read_text(encoding="utf-8"))
    assert match
    return json.loads(match.group(1))


@pytest.fixture
def page(chromium: Any, report: Path) -> Iterator[Any]:
    """A page that records every request and every console error; the test fails on either."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, service_workers="block")
    requests: list[str] = []
    errors: list[str] = []

    def refuse(route: Any) -> None:
        """Anything but file:// is recorded and refused before it leaves."""
        requests.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:)"), refuse)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    page.wait_for_selector("svg.chart")
    yield page
    context.close()
    assert errors == [], f"console errors: {errors}"
    assert requests and all(url.startswith("file://") for url in requests), f"requests: {requests}"


def _go(page: Any, route: str) -> None:
    page.evaluate("route => { location.hash = route; }", route)
    page.wait_for_function("route => location.hash === route", arg=route)


def _rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(table["cols"], row)) for row in table["rows"]]


def _nonzero(*amounts: object) -> int:
    """How many of the amounts draw a bar: zero and no figure draw none."""
    return sum(1 for a in amounts if a is not None and Decimal(str(a)) > 0)


# --- overview -------------------------------------------------------------------------------------

def test_overview_charts_render_with_every_bar_and_point(page: Any, payload: dict[str, Any], tmp_path: Path) -> None:
    sizes = page.eval_on_selector_all("#view svg.chart", "els => els.map(e => [e.dataset.chart, "
                                      "e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    # The triage first (dollars and counts in four buckets), then the explained/unexplained charts.
    assert [s[0] for s in sizes] == ["hbars", "hbars", "share", "hbars", "hbars", "lines", "stacked", "hbars"]
    assert all(w > 100 and h > 20 for _, w, h in sizes), sizes

    overview = payload["overview"]
    totals = overview["totals"]
    rules = [totals, *overview["byRule"]]  # the "All rules" row first
    triage = [overview["triage"]["all"], *(overview["triage"]["byRule"][r["rule"]] for r in overview["byRule"])]
    buckets = ("lead", "non_reporting", "legitimate", "pending")
    triage_bars = page.locator("#view svg[data-chart=hbars]").first.locator("rect.bar")
    assert triage_bars.count() == sum(_nonzero(*(t[b]["k"] for b in buckets)) for t in triage)
    assert page.locator("#view svg[data-chart=hbars]").nth(1).locator("rect.bar").count() == sum(
        _nonzero(*(t[b]["n"] for b in buckets)) for t in triage)
    for css in ("c-lead", "c-nonrep", "c-legit", "c-pending"):  # every bucket is drawn in the demo
        assert page.locator(f"#view svg[data-chart=hbars] rect.bar.{css}").count() > 0
    # Leads before anything else: the bucket cards, then the largest leads.
    assert page.locator(".kpi").first.inner_text().startswith("LEADS\n")
    leads = _rows(payload["leads"])
    assert len(leads) == 25 and page.locator("#leads-table tbody tr").count() == 25
    first_lead = page.locator("#leads-table tbody tr").first.inner_text()
    assert leads[0]["program"] in first_lead and "FY" in first_lead
    expected = sum(_nonzero(r["xk"], Decimal(r["k"]) - Decimal(r["xk"])) for r in rules)
    dollar_bars = page.locator("#view svg[data-chart=hbars]").nth(2).locator("rect.bar")
    assert dollar_bars.count() == expected
    assert all(b["width"] > 0 and b["height"] > 0 for b in
               (dollar_bars.nth(i).bounding_box() for i in range(dollar_bars.count())))
    count_bars = page.locator("#view svg[data-chart=hbars]").nth(3).locator("rect.bar")
    assert count_bars.count() == sum(_nonzero(r["xn"], r["n"] - r["xn"]) for r in rules)

    years = overview["byYear"]
    assert [y["fy"] for y in years] == [2019, 2020, 2021, 2022, 2023]
    points = page.locator("#view svg[data-chart=lines] circle.pt")
    assert points.count() == sum(1 for y in years for key in ("act", "est", "usas") if y[key] is not None) == 15
    stacked = page.locator("#view svg[data-chart=stacked] rect.bar")
    assert stacked.count() == sum(_nonzero(y["xn"], y["n"] - y["xn"]) for y in years)
    agencies = page.locator("#view svg[data-chart=hbars]").nth(4).locator("g.row")
    assert agencies.count() == min(12, sum(1 for a in overview["byAgency"] if a["n"]))

    # The headline numbers, formatted exactly from the data.
    assert page.locator(".kpis:not(.triage-kpis) .kpi").first.inner_text().startswith(
        "OPEN FINDINGS\n" + f"{totals['n']:,}")
    # A chart label leads to the findings it counts.
    page.locator("#view svg[data-chart=hbars]").nth(2).locator("a").first.click()
    page.wait_for_function("location.hash.indexOf('#/findings?rule=') === 0")
    rule = page.evaluate("document.getElementById('f-rule').value")
    assert rule == overview["byRule"][0]["rule"]

    _go(page, "#/overview")
    page.mouse.move(0, 0)  # no hover state in the picture
    page.set_viewport_size({"width": 1440, "height": 1188})
    shot = tmp_path / "report-overview.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    if os.environ.get("SPENDRECON_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def test_leads_come_by_severity_name_their_rule_and_open_the_findings_card(page: Any, payload: dict[str, Any]) -> None:
    leads = _rows(payload["leads"])
    order = {"error": 0, "warning": 1, "info": 2}
    keys = [(order[lead["severity"]], -Decimal(lead["stake"])) for lead in leads]
    assert keys == sorted(keys)  # an info finding never outranks an error
    rows = page.locator("#leads-table tbody tr")
    first = rows.first.inner_text()
    titles = {r["id"]: r["title"] for r in payload["rules"]}
    assert titles[leads[0]["rule"]] in first and leads[0]["severity"] in first  # the rule in words
    # The finding's bucket is one click from its card, which says why.
    rows.first.locator("a.triage-link").click()
    page.wait_for_function("location.hash.indexOf('#/program/') === 0")
    card = page.locator("article.finding.target")
    assert card.count() == 1 and card.get_attribute("data-rule") == leads[0]["rule"]
    assert "Triage: Leads" in card.inner_text()
    # A pending finding's estimate is labelled as one, beside actuals.
    _go(page, "#/findings?expl=triage:pending&rule=estimate_only")
    page.wait_for_selector("#findings-table tbody tr")
    assert "estimate" in page.locator("#findings-table tbody tr").first.inner_text()


def test_non_reporting_view_has_one_row_per_program(page: Any, payload: dict[str, Any]) -> None:
    _go(page, "#/nonreporting")
    page.wait_for_selector("#nonrep-programs tbody tr")
    rows = _rows(payload["nonReporting"])
    assert rows and len({r["program"] for r in rows}) == len(rows)
    assert page.locator("#nonrep-programs tbody tr").count() == len(rows)
    multi = next(r for r in rows if len(r["years"]) > 1)
    text = page.locator("#nonrep-programs tbody tr", has_text=multi["program"]).first.inner_text()
    assert ", ".join(f"FY{y}" for y in multi["years"]) in text
    assert page.locator("#nonrep-agencies tbody tr").count() == len({r["agency"] for r in rows})
    # Its card on the overview leads here; the leads card to the findings filtered to leads.
    _go(page, "#/findings?expl=triage:lead")
    page.wait_for_selector("#findings-table tbody tr")
    shown = page.locator("#findings-table tbody tr").count()
    assert shown == min(200, sum(1 for f in _rows(payload["findings"]) if f["triage"] == "lead"
                                 and f["status"] != "resolved"))


# --- findings table -------------------------------------------------------------------------------

def _column(page: Any, index: int) -> list[str]:
    return page.eval_on_selector_all(
        f"#findings-table tbody tr td:nth-child({index})", "tds => tds.map(td => td.dataset.v)")


def test_findings_table_sorts_and_filters(page: Any, payload: dict[str, Any]) -> None:
    _go(page, "#/findings")
    findings = _rows(payload["findings"])
    open_ = [f for f in findings if f["status"] != "resolved"]
    rows = page.locator("#findings-table tbody tr")
    assert rows.count() == min(200, len(open_))  # the first page of the open findings
    assert page.locator("#f-shown").inner_text().startswith(f"{len(open_):,} findings of {len(findings):,}")

    headers = [t.strip(" \u2195") for t in page.eval_on_selector_all("#findings-table th", "ths => ths.map(t => t.textContent)")]
    stake_col = headers.index("At stake") + 1
    page.locator("#findings-table th", has_text="At stake").locator("button").click()
    stakes = [Decimal(v) for v in _column(page, stake_col)]
    assert stakes == sorted(stakes, reverse=True) and stakes[0] == max(Decimal(f["stake"]) for f in open_)
    page.locator("#findings-table th", has_text="At stake").locator("button").click()
    stakes = [Decimal(v) for v in _column(page, stake_col)]
    assert stakes == sorted(stakes) and stakes[0] == min(Decimal(f["stake"]) for f in open_)
    sam_col = headers.index("SAM.gov") + 1
    page.locator("#findings-table th", has_text="SAM.gov").locator("button").click()
    page.locator("button", has_text="Show all").click()
    sam = _column(page, sam_col)
    figures = [Decimal(v) for v in sam if v]
    assert figures == sorted(figures, reverse=True)
    assert sam[len(figures):] == [""] * (len(sam) - len(figures))  # no figure: always last

    page.fill("#f-text", "97.102")
    assert page.locator("#findings-table tbody tr").count() == 3
    assert set(page.eval_on_selector_all("#findings-table tbody tr", "trs => trs.map(r => r.dataset.program)")) == {
        "97.102"}
    page.select_option("#f-rule", "actual_not_in_usaspending")
    only = page.locator("#findings-table tbody tr")
    assert only.count() == 1 and only.first.get_attribute("data-fy") == "2022"
    text = only.first.inner_text()
    assert "accepted" in text and "<img" in text  # the review note, shown as text

    page.click("button.reset")
    page.select_option("#f-expl", "unexplained")
    unexplained = [f for f in open_ if f["expl"] is None]
    assert page.locator("#f-shown").inner_text().startswith(f"{len(unexplained):,} finding")
    page.select_option("#f-fy", "2022")
    page.select_option("#f-severity", "error")
    expected = [f for f in unexplained if f["fy"] == 2022 and f["severity"] == "error"]
    assert page.locator("#findings-table tbody tr:not(.empty)").count() == len(expected) > 0


# --- program page, changes, limitations ----------------------------------------------------------

def test_program_page_shows_its_chart_and_findings(page: Any, payload: dict[str, Any], report: Path) -> None:
    _go(page, "#/program/97.102")
    page.wait_for_selector("#view svg[data-chart=columns]")
    chart = page.locator("#view svg[data-chart=columns]")
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    years = payload["programs"]["byNumber"]["97.102"]["years"]
    assert chart.locator("rect.bar").count() == sum(1 for y in years for v in y[1:] if v is not None)
    assert chart.locator("text.na").count() == sum(1 for y in years for v in y[1:] if v is None)
    assert chart.locator("text.tick", has_text="FY2022").count() == 1

    finding = page.locator('article.finding[data-fy="2022"][data-rule="actual_not_in_usaspending"]')
    assert finding.count() == 1 and finding.is_visible()
    text = finding.inner_text()
    assert "SAM.gov actual with no USAspending obligations" in text and "$15,000,000.00" in text
    explained = next(f for f in _rows(payload["findings"])
                     if (f["program"], f["fy"], f["rule"]) == ("97.102", 2022, "actual_not_in_usaspending"))
    # The seed case's explanation, exactly: the money appears on USAspending a year later.
    assert explained["expl"] == "fiscal_year_shift"
    assert explained["explReason"] == ("The SAM.gov figure for FY2022 ($15,000,000.00) matches the USAspending "
                                       "figure for FY2023 ($15,000,000.00): the same money booked in a different "
                                       "fiscal year")
    assert payload["explanations"]["fiscal_year_shift"] == "The money appears in the neighbouring fiscal year"
    assert payload["explanations"][explained["expl"]] in text and explained["explReason"] in " ".join(text.split())
    assert "accepted" in text and HOSTILE_NOTE in text and "ana" in text  # the review, from recon.annotations
    assert f"new in run {payload['run']['id']}" in " ".join(text.split())  # its history
    assert page.evaluate("window.__pwned") is None

    # A number the report does not know (even one named like a JavaScript property) is just missing.
    for missing in ("12.345", "constructor", "__proto__"):
        _go(page, f"#/program/{missing}")
        assert page.locator("#view h2").inner_text() == f"No program {missing} in this report"

    # The jump box opens a program by its number.
    _go(page, "#/overview")
    page.fill("#jump-input", "97.102")
    page.press("#jump-input", "Enter")
    page.wait_for_function("location.hash === '#/program/97.102'")


def test_changes_and_limitations_views(page: Any, payload: dict[str, Any]) -> None:
    _go(page, "#/changes")
    events = _rows(payload["events"])
    cards = page.locator("#view .kpi .kpi-value").all_inner_texts()
    assert cards == [f"{sum(1 for e in events if e['event'] == kind):,}" for kind in ("new", "reopened", "resolved")]
    assert page.locator("#runs-table tbody tr.this-run").inner_text().startswith(payload["run"]["id"])
    page.select_option("#c-event", "resolved")
    assert page.locator("#events-table tbody tr.empty").count() == (0 if any(
        e["event"] == "resolved" for e in events) else 1)

    _go(page, "#/limitations")
    assert page.locator("#limitations").is_visible()
    assert "subsidy cost" in page.locator("#limitations").inner_text()
    assert page.locator("#view").inner_text() == ""
    _go(page, "#/findings")
    assert not page.locator("#limitations").is_visible()
