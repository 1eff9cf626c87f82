/* #/overview: the headline numbers, then where the dollars at stake sit (rule, fiscal year,
   agency), always with the explained part apart from the unexplained part. */

var TOP_AGENCIES = 12;
var LARGEST_GAPS = 25;

function unexplained(row) { return fromCents(cents(row.k) - cents(row.xk)); }

function explainedSegments(row, what) {
  var xk = num(row.xk), uk = num(row.k) - xk;
  return [
    { value: xk, cls: "c-expl", tip: what + " \u00b7 explained: " + money(row.xk) + " (" + plural(row.xn, "finding") + ")" },
    { value: uk, cls: "c-unexpl", tip: what + " \u00b7 unexplained: " + money(unexplained(row)) + " (" +
      plural(row.n - row.xn, "finding") + ")" },
  ];
}

function countSegments(row, what) {
  return [
    { value: row.xn, cls: "c-expl", tip: what + " \u00b7 " + plural(row.xn, "explained finding") },
    { value: row.n - row.xn, cls: "c-unexpl", tip: what + " \u00b7 " + plural(row.n - row.xn, "unexplained finding") },
  ];
}

var EXPLAINED_LEGEND = [{ cls: "c-expl", label: "Explained" }, { cls: "c-unexpl", label: "Unexplained" }];

function yearsText(years) {
  if (!years.length) { return "no fiscal year"; }
  return years.length === 1 ? "FY" + years[0] : "FY" + years[0] + "\u2013FY" + years[years.length - 1];
}

function overviewCards(t) {
  var stake = num(t.k), xk = num(t.xk);
  var previous = DATA.run.previous ? "since run " + DATA.run.previous : "first run";
  return h("div", { class: "kpis" },
    card(count(t.n), "Open findings", count(t["new"]) + " new \u00b7 " + count(t.reopened) + " reopened in this run"),
    card(shortMoney(stake), "Dollars at stake", money(t.k) + " \u00b7 each program-year once"),
    card(shortMoney(stake - xk), "Unexplained", percent(stake - xk, stake) + " of dollars \u00b7 " +
      plural(t.n - t.xn, "finding"), "alert"),
    card(shortMoney(xk), "Explained", percent(xk, stake) + " of dollars \u00b7 " + plural(t.xn, "finding"), "calm"),
    card(count(t.resolved), "Resolved by this run", previous),
    card(count(t.programs), "Programs compared", count(t.programYears) + " program-years \u00b7 " +
      yearsText(DATA.run.fiscalYears)));
}

function shareSection(t) {
  var stake = num(t.k), xk = num(t.xk);
  return h("div", { class: "share" },
    h("div", { class: "share-labels" },
      h("span", { class: "key" }, h("i", { class: "sw c-expl" }), "Explained ", h("b", null, money(t.xk)),
        " (" + percent(xk, stake) + ")"),
      h("span", { class: "key" }, h("i", { class: "sw c-unexpl" }), "Unexplained ", h("b", null, money(unexplained(t))),
        " (" + percent(stake - xk, stake) + ")")),
    shareBar(xk, stake - xk, "Dollars at stake: explained vs unexplained"));
}

function ruleCharts(ov) {
  var all = { label: "All rules", strong: true, n: ov.totals.n, xn: ov.totals.xn, k: ov.totals.k, xk: ov.totals.xk };
  var rows = [all].concat(ov.byRule.map(function (r) {
    return { label: ruleTitle(r.rule), href: "#/findings" + query({ rule: r.rule }), n: r.n, xn: r.xn, k: r.k, xk: r.xk };
  }));
  var dollars = hbars({ label: "Dollars at stake by rule, explained and unexplained", labelWidth: 230, noteWidth: 70,
    format: shortMoney,
    rows: rows.map(function (r) {
      return { label: r.label, href: r.href, strong: r.strong, segments: explainedSegments(r, r.label),
        note: shortMoney(num(r.k)) };
    }) });
  var counts = hbars({ label: "Open findings by rule, explained and unexplained", labelWidth: 230, noteWidth: 70,
    format: count, integer: true,
    rows: rows.map(function (r) {
      return { label: r.label, href: r.href, strong: r.strong, segments: countSegments(r, r.label), note: count(r.n) };
    }) });
  return h("div", { class: "grid2" },
    panel("Dollars at stake by rule", "Absolute gap, or the one amount that exists. Click a rule for its findings.",
      [legend(EXPLAINED_LEGEND), dollars]),
    panel("Findings by rule", "Open findings: new, open and reopened.", [legend(EXPLAINED_LEGEND), counts]));
}

function yearCharts(ov) {
  var years = ov.byYear;
  var labels = years.map(function (y) { return "FY" + y.fy; });
  var series = [
    { label: "SAM.gov actual", cls: "c-act", values: years.map(function (y) { return y.act; }) },
    { label: "SAM.gov estimate", cls: "c-est", dashed: true, values: years.map(function (y) { return y.est; }) },
    { label: "USAspending obligations", cls: "c-usas", values: years.map(function (y) { return y.usas; }) },
  ];
  var trend = lines({ label: "Total obligations per fiscal year, by source", xLabels: labels, series: series,
    format: shortMoney, tip: function (x, se, v) { return x + " \u00b7 " + se.label + ": " + money(v); } });
  var found = stackedColumns({ label: "Open findings per fiscal year, explained and unexplained",
    groups: years.map(function (y) {
      return { label: "FY" + y.fy, href: "#/findings" + query({ fy: y.fy }), segments: countSegments(y, "FY" + y.fy) };
    }) });
  return h("div", { class: "grid2" },
    panel("Both sources, year by year", "Sum over every program compared. SAM.gov actuals replace estimates once " +
      "agencies report them.", [legend(series), trend]),
    panel("Findings per fiscal year", "Click a year for its findings.", [legend(EXPLAINED_LEGEND), found]));
}

function agencySection(ov) {
  var top = ov.byAgency.filter(function (a) { return a.n > 0; }).slice(0, TOP_AGENCIES);
  var chart = hbars({ label: "Dollars at stake by agency, explained and unexplained", labelWidth: 330, noteWidth: 190,
    width: 1220, format: shortMoney,
    rows: top.map(function (a) {
      return { label: a.agency, href: "#/findings" + query({ agency: a.agency }),
        segments: explainedSegments(a, a.agency), note: shortMoney(num(a.k)) + " \u00b7 " + plural(a.n, "finding") };
    }) });
  var table = dataTable([
    { key: "agency", label: "Agency", type: "text", cls: "name",
      cell: function (a) { return a.n ? h("a", { href: "#/findings" + query({ agency: a.agency }) }, a.agency) : a.agency; } },
    { key: "programs", label: "Programs", type: "num" },
    moneyColumn("sam", "SAM.gov actual"),
    moneyColumn("usas", "USAspending"),
    { key: "agree", label: "Within tolerance", type: "num", title: "Share of compared dollars in program-years with no open finding",
      value: function (a) { return a.compared && num(a.compared) > 0 ? num(a.within) / num(a.compared) : null; },
      cell: function (a) { return a.compared && num(a.compared) > 0 ? percent(num(a.within), num(a.compared)) : DASH; } },
    { key: "n", label: "Findings", type: "num" },
    moneyColumn("k", "At stake"),
    { key: "uk", label: "Unexplained $", type: "money", value: function (a) { return unexplained(a); } },
  ], ov.byAgency, { id: "agencies-table", pageSize: 12 });
  var shown = top.length < ov.byAgency.length ? "The " + top.length + " agencies with the most dollars at stake; " +
    "the table lists all " + ov.byAgency.length + "." : "Every agency with an open finding.";
  return panel("By agency", shown, [legend(EXPLAINED_LEGEND), chart, table.el], "wide");
}

function largestGaps() {
  var open = FINDINGS.filter(function (f) { return f.isOpen; });
  open.sort(function (a, b) { return num(b.stake) - num(a.stake) || a.index - b.index; });
  var table = dataTable(findingColumns().concat([
    moneyColumn("diff", "Difference"),
    moneyColumn("stake", "At stake"),
    { key: "triage", label: "Triage", type: "text", cell: triageLink },
    explanationColumn(),
  ]), open.slice(0, LARGEST_GAPS), { id: "gaps-table", empty: "No open findings." });
  return panel("Largest gaps", "The " + LARGEST_GAPS + " open findings with the most dollars at stake.", table.el, "wide");
}

function runFacts() {
  var items = [];
  DATA.run.facts.forEach(function (f) { items.push(h("dt", null, f[0]), h("dd", null, f[1])); });
  return h("details", { class: "panel wide facts-panel" }, h("summary", null, "About this run"),
    h("dl", { class: "facts" }, items));
}

function viewOverview(root) {
  var ov = DATA.overview;
  append(root, [
    h("div", { class: "view-head" }, h("h2", null, "Overview"),
      h("p", { class: "muted" }, "Where SAM.gov and USAspending disagree, by how much, and how much of it has a " +
        "known explanation.")),
    triageOverview(ov),
    overviewCards(ov.totals),
    shareSection(ov.totals),
    ruleCharts(ov),
    yearCharts(ov),
    agencySection(ov),
    largestGaps(),
    runFacts(),
  ]);
}
