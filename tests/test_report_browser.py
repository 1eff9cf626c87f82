"""report.html in a real browser: the demo run's report, opened from file:// in headless Chromium.

Chromium is the system one (Debian's `chromium` package, installed by `make test` when missing);
Playwright only drives it, so nothing is ever downloaded (never `playwright install`). Without
Chromium the test is skipped locally and fails in CI (the CI variable is set).

SPENDRECON_UPDATE_SCREENSHOT=1 also copies the overview screenshot to docs/report-screenshot.png.
"""
from __future__ import annotations

import json
import os
import random
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
from warehouse.money import format_money, format_money_compact

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

BUCKETS = ("lead", "non_reporting", "legitimate", "pending")
# The overview's charts, one per question, in the order asked: how much of the money at stake has a known
# reason (the four buckets as one bar), which rules flag it, how the sources compare year by year, which years
# hold the gaps, which agencies.
OVERVIEW_CHARTS = [("share", "Dollars at stake by triage bucket"), ("hbars", "Dollars at stake by rule and triage"),
                   ("lines", "Total obligations per fiscal year, by source"),
                   ("stacked", "Dollars at stake per fiscal year, by triage"),
                   ("hbars", "Dollars at stake by agency, unexplained and explained")]


def _screens() -> Path | None:
    """SPENDRECON_SCREENSHOTS=DIR saves full-page screenshots of the overview and a program page there."""
    folder = os.environ.get("SPENDRECON_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def test_overview_asks_each_question_once_with_every_bar_and_point(page: Any, payload: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    charts = page.eval_on_selector_all("#view svg.chart", "els => els.map(e => [e.dataset.chart, "
                                       "e.getAttribute('aria-label'), e.getBoundingClientRect().width, "
                                       "e.getBoundingClientRect().height])")
    assert [(kind, label) for kind, label, _, _ in charts] == OVERVIEW_CHARTS
    assert all(w > 100 and h > 20 for _, _, w, h in charts), charts
    # No near-duplicate pairs, so the page reads in a few screens (it was 7,000 px and more).
    assert page.evaluate("document.documentElement.scrollHeight") < 5000

    overview = payload["overview"]
    totals, triage = overview["totals"], overview["triage"]
    assert page.locator("#view svg[data-chart=share] rect.bar").count() == _nonzero(
        *(triage["all"][b]["k"] for b in BUCKETS))
    rows = [triage["all"], *(triage["byRule"][r["rule"]] for r in overview["byRule"])]  # "All rules" first
    rule_bars = page.locator("#view svg[data-chart=hbars]").first.locator("rect.bar")
    assert rule_bars.count() == sum(_nonzero(*(t[b]["k"] for b in BUCKETS)) for t in rows)
    assert all(b["width"] > 0 and b["height"] > 0 for b in
               (rule_bars.nth(i).bounding_box() for i in range(rule_bars.count())))
    for css in ("c-lead", "c-nonrep", "c-legit", "c-pending"):  # every bucket is drawn in the demo
        assert page.locator(f"#view svg[data-chart=hbars] rect.bar.{css}").count() > 0
    # A rule's bar says its dollars (rounded) and its findings.
    first_rule = overview["byRule"][0]
    note = page.locator("#view svg[data-chart=hbars]").first.locator("g.row").nth(1).locator("text.note")
    assert note.text_content() == (f"{format_money_compact(sum(Decimal(v['k']) for v in rows[1].values()))} · "
                                 f"{first_rule['n']:,} findings")

    years = overview["byYear"]
    assert [y["fy"] for y in years] == [2019, 2020, 2021, 2022, 2023]
    points = page.locator("#view svg[data-chart=lines] circle.pt")
    assert points.count() == sum(1 for y in years for key in ("act", "est", "usas") if y[key] is not None) == 15
    stacked = page.locator("#view svg[data-chart=stacked] rect.bar")
    assert stacked.count() == sum(_nonzero(*(y["triage"][b]["k"] for b in BUCKETS)) for y in years)
    for y in years:  # each year's buckets add up to its dollars at stake, each program-year once
        assert sum(Decimal(y["triage"][b]["k"]) for b in BUCKETS) == Decimal(y["k"])
    agencies = page.locator("#view svg[data-chart=hbars]").nth(1).locator("g.row")
    assert agencies.count() == min(12, sum(1 for a in overview["byAgency"] if a["n"]))

    # Leads before the charts: the first ten, the rest of the 25 a click away.
    leads = _rows(payload["leads"])
    assert len(leads) == 25 and page.locator("#leads-table tbody tr").count() == 10
    first_lead = page.locator("#leads-table tbody tr").first.inner_text()
    assert leads[0]["program"] in first_lead and "FY" in first_lead
    page.locator(".leads-panel button", has_text="Show all").click()
    assert page.locator("#leads-table tbody tr").count() == 25

    # The headline numbers, formatted exactly from the data.
    assert page.locator(".kpi").first.inner_text().startswith("OPEN FINDINGS\n" + f"{totals['n']:,}")
    # A chart label leads to the findings it counts.
    page.locator("#view svg[data-chart=hbars]").first.locator("a").first.click()
    page.wait_for_function("location.hash.indexOf('#/findings?rule=') === 0")
    rule = page.evaluate("document.getElementById('f-rule').value")
    assert rule == overview["byRule"][0]["rule"]

    _go(page, "#/overview")
    page.mouse.move(0, 0)  # no hover state in the picture
    screens = _screens()
    if screens:
        page.screenshot(path=str(screens / "overview.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1188})
    shot = tmp_path / "report-overview.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    if os.environ.get("SPENDRECON_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def test_totals_read_rounded_with_the_exact_figure_as_tooltip(page: Any, payload: dict[str, Any]) -> None:
    totals = payload["overview"]["totals"]
    stake = page.locator(".kpi", has_text="Dollars at stake").first.locator(".money")
    assert stake.inner_text() == format_money_compact(Decimal(totals["k"]))  # e.g. $2.41T, never its cents
    assert stake.get_attribute("title") == format_money(Decimal(totals["k"]))
    for bucket in BUCKETS:  # the four bucket cards
        value = Decimal(payload["overview"]["triage"]["all"][bucket]["k"])
        assert page.locator(".triage-kpis .kpi .money", has_text=format_money_compact(value)).count() >= 1
    assert format_money_compact(Decimal(payload["leadStake"])) in page.locator(".leads-panel .panel-sub").inner_text()
    # Tables of sums read rounded too, exact on hover; a finding's own figures stay exact.
    agency = payload["overview"]["byAgency"][0]
    page.locator("#agencies summary").click()
    cell = page.locator("#agencies-table tbody tr").first.locator("td").nth(6)
    assert cell.inner_text() == format_money_compact(Decimal(agency["k"]))
    assert cell.locator(".money").get_attribute("title") == format_money(Decimal(agency["k"]))
    gap = page.locator("#gaps-table tbody tr").first.inner_text()
    largest = max((f for f in _rows(payload["findings"]) if f["status"] != "resolved"), key=lambda f: Decimal(f["stake"]))
    assert format_money(Decimal(largest["stake"])) in gap


def test_the_page_rounds_money_as_format_money_compact_does(page: Any) -> None:
    """report-core.js's moneyCompact, run on its own, gives format_money_compact's text for every amount:
    one rule for rounded money, in Python and on the page."""
    core = (REPO / "spendrecon" / "report" / "templates" / "report-core.js").read_text(encoding="utf-8")
    source = core[core.index("/* --- money"):core.index("/* --- the data")]
    rng = random.Random(20)
    amounts = [Decimal(rng.randrange(-10 ** rng.randrange(1, 17), 10 ** rng.randrange(1, 17))) / 100
               for _ in range(3000)]
    amounts += [Decimal(t) for t in (
        "0.00", "-0.01", "999.99", "1000.00", "-1000.00", "1005.00", "1015.00", "999994.99", "999995.00",
        "999995000.00", "999995000.01", "999994999.99", "-699500.00", "86470000000.00", "1084063577872.19",
        "999995000000000.00", "1234567890123456.78")]
    texts = [format(a, "f") for a in amounts]
    shown = page.evaluate("([src, values]) => new Function('DASH', 'values', src + "
                          "'\\nreturn values.map(function (v) { return moneyCompact(v); });')('\u2014', values)",
                          [source, [*texts, None]])
    assert shown == [*(format_money_compact(a) for a in amounts), format_money_compact(None)]


def test_unexplained_means_the_same_on_the_overview_and_the_findings_tab(page: Any, payload: dict[str, Any]) -> None:
    totals = payload["overview"]["totals"]
    unexplained = Decimal(totals["k"]) - Decimal(totals["xk"])
    head = page.locator(".group-alert .group-head")
    assert head.inner_text().startswith("Unexplained " + format_money_compact(unexplained))
    assert head.locator(".money").get_attribute("title") == format_money(unexplained)
    meaning = page.locator("#explained-meaning").inner_text()
    assert meaning == payload["explainedMeaning"] and "non-reporting and leads" in meaning
    assert meaning in " ".join(page.locator("footer").inner_text().split())  # said once, used everywhere

    # The Findings tab's "Unexplained" is the same set: findings in the non-reporting and lead buckets.
    _go(page, "#/findings?expl=unexplained")
    findings = [f for f in _rows(payload["findings"]) if f["status"] != "resolved" and not f["ruleOff"]]
    wanted = [f for f in findings if f["triage"] in ("lead", "non_reporting")]
    assert len(wanted) == totals["n"] - totals["xn"]
    shown = page.locator("#f-shown")
    assert shown.inner_text().startswith(f"{len(wanted):,} findings of ")
    stakes = {(r[0], r[1]): Decimal(r[3]) for r in payload["programYearStakes"]["rows"]}
    at_stake = sum(stakes[(f["program"], f["fy"])] for f in {(f["program"], f["fy"]): f for f in wanted}.values())
    assert shown.get_attribute("title") == f"{format_money(at_stake)} at stake, {format_money(unexplained)} unexplained"
    # A non-reporting finding is unexplained, its characterization named as its pattern; a lead is unexplained.
    page.select_option("#f-expl", "triage:non_reporting")
    cell = page.locator("#findings-table tbody tr").first.locator("td").last.inner_text()
    assert cell.startswith("unexplained\npattern: ")
    page.select_option("#f-expl", "explained")
    explained = [f for f in findings if f["triage"] in ("legitimate", "pending")]
    assert shown.inner_text().startswith(f"{len(explained):,} findings of ")
    assert len(explained) == totals["xn"]


def test_rules_read_in_words_with_their_id_beside(page: Any, payload: dict[str, Any]) -> None:
    titles = {r["id"]: r["title"] for r in payload["rules"]}

    def words(cell: Any) -> None:
        rule = cell.locator("code.rule").first.inner_text()
        assert rule in titles and titles[rule] in cell.inner_text()

    words(page.locator("#gaps-table tbody tr").first.locator("td").nth(2))
    _go(page, "#/findings")
    words(page.locator("#findings-table tbody tr").first.locator("td").nth(2))
    _go(page, "#/changes")
    page.wait_for_selector("#events-table tbody tr")
    words(page.locator("#events-table tbody tr").first.locator("td").nth(3))
    _go(page, "#/program/97.102")
    row = page.locator("#figures-table tbody tr", has_text="2022").first
    assert f"{titles['actual_not_in_usaspending']} actual_not_in_usaspending" in " ".join(row.inner_text().split())
    # Explanations too: the non-reporting view names each pattern in words.
    _go(page, "#/nonreporting")
    pattern = page.locator("#nonrep-programs tbody tr").first.locator("td").nth(3)
    code = pattern.locator("code").first.inner_text()
    assert payload["explanations"][code] in pattern.inner_text()


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
    unexplained = [f for f in open_ if f["triage"] in ("lead", "non_reporting")]
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

    screens = _screens()
    if screens:
        _go(page, "#/program/97.102")
        page.mouse.move(0, 0)
        page.screenshot(path=str(screens / "program-97.102.png"), full_page=True)


def test_the_program_box_takes_an_aln_with_or_without_its_dot(page: Any) -> None:
    for typed in ("97.102", "97102", " 97102 ", "CFDA 97.102"):
        _go(page, "#/overview")
        page.fill("#jump-input", typed)
        page.press("#jump-input", "Enter")
        page.wait_for_function("location.hash === '#/program/97.102'")
        assert page.locator("#view h2 .aln").inner_text() == "97.102"
    # A link or a typed address without the dot lands on the program too.
    page.evaluate("() => { location.hash = '#/program/97102'; }")
    page.wait_for_function("location.hash === '#/program/97.102'")
    # Text that names no one program searches the index, where the dotless number finds it as well.
    _go(page, "#/overview")
    page.fill("#jump-input", "9710")
    page.press("#jump-input", "Enter")
    page.wait_for_function("location.hash.indexOf('#/programs?q=9710') === 0")
    assert page.locator("#programs-table tbody tr", has_text="97.102").count() == 1


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
