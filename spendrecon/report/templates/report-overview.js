/* #/overview: one view, one chart per question an analyst asks, in the order asked:
   how much is at stake and how much of it has a known reason (the triage), which findings to look at first
   (the leads), which rules flag the money, how the sources compare year by year and which years hold the
   gaps, which agencies, and the largest single gaps. Totals read rounded, their exact figure as tooltip. */

var TOP_AGENCIES = 12;
var LARGEST_GAPS = 25;
var ROWS_SHOWN = 10;  // the leads and largest gaps show this many, the rest a click away

function unexplained(row) { return fromCents(cents(row.k) - cents(row.xk)); }

var EXPLAINED_LEGEND = [{ cls: "c-unexpl", label: "Unexplained (non-reporting and leads)" },
  { cls: "c-expl", label: "Explained (legitimate and pending)" }];

function explainedSegments(row, what) {
  return [
    { value: num(row.k) - num(row.xk), cls: "c-unexpl", tip: what + " \u00b7 unexplained: " + money(unexplained(row)) +
      " (" + plural(row.n - row.xn, "finding") + ")" },
    { value: num(row.xk), cls: "c-expl", tip: what + " \u00b7 explained: " + money(row.xk) + " (" +
      plural(row.xn, "finding") + ")" },
  ];
}

function yearsText(years) {
  if (!years.length) { return "no fiscal year"; }
  return years.length === 1 ? "FY" + years[0] : "FY" + years[0] + "\u2013FY" + years[years.length - 1];
}

/* The run in four numbers. */
function overviewCards(t) {
  var previous = DATA.run.previous ? "since run " + DATA.run.previous : "first run";
  return h("div", { class: "kpis" },
    card(count(t.n), "Open findings", count(t["new"]) + " new \u00b7 " + count(t.reopened) + " reopened in this run"),
    card(moneySummary(t.k), "Dollars at stake", plural(t.programYearsAtStake, "program-year") + ", each once, at the " +
      "largest of its findings"),
    card(count(t.resolved), "Resolved by this run", previous),
    card(count(t.programs), "Programs compared", count(t.programYears) + " program-years \u00b7 " +
      yearsText(DATA.run.fiscalYears)));
}

function viewOverview(root) {
  var ov = DATA.overview;
  append(root, [
    h("div", { class: "view-head" }, h("h2", null, "Overview"),
      h("p", { class: "muted" }, "Where SAM.gov and USAspending disagree, by how much, and how much of it has a " +
        "known reason.")),
    overviewCards(ov.totals),
    triageSection(ov.triage.all),
    topLeads(),
    ruleChart(ov),
    h("div", { class: "grid2" }, trendChart(ov), yearChart(ov)),
    agencySection(ov),
    largestGaps(),
    runFacts(),
  ]);
}

/* Which rules flag the money, and how much of each rule's is explained: one bar per rule, by triage bucket. */
function ruleChart(ov) {
  var triage = ov.triage;
  var rows = [{ label: "All rules", strong: true, t: triage.all }].concat(DATA.rules.map(function (r) {
    return { label: ruleTitle(r.id), rule: r.id, t: triage.byRule[r.id] };
  }));
  var chart = hbars({ label: "Dollars at stake by rule and triage", width: 1220, labelWidth: 330, noteWidth: 190,
    format: tickMoney,
    rows: rows.map(function (r) {
      var sum = sumMoney(TRIAGE_BUCKETS.map(function (b) { return r.t[b.key].k; }));
      var n = TRIAGE_BUCKETS.reduce(function (t, b) { return t + r.t[b.key].n; }, 0);
      return { label: r.label, strong: r.strong, href: r.rule ? "#/findings" + query({ rule: r.rule }) : null,
        segments: TRIAGE_BUCKETS.map(function (b) {
          var s = r.t[b.key];
          return { value: num(s.k), cls: b.cls, tip: r.label + " \u00b7 " + b.label + ": " + money(s.k) + " (" +
            plural(s.n, "finding") + ")" };
        }),
        note: moneyCompact(sum) + " \u00b7 " + plural(n, "finding") };
    }) });
  return panel("Dollars at stake by rule", "All rules: each program-year once, in its most decisive finding's " +
    "bucket; per rule, each finding in its own. Click a rule for its findings.", [legend(TRIAGE_LEGEND), chart],
  "wide");
}

/* How the two sources compare, year by year. */
function trendChart(ov) {
  var years = ov.byYear;
  var series = [
    { label: "SAM.gov actual", cls: "c-act", values: years.map(function (y) { return y.act; }) },
    { label: "SAM.gov estimate", cls: "c-est", dashed: true, values: years.map(function (y) { return y.est; }) },
    { label: "USAspending obligations", cls: "c-usas", values: years.map(function (y) { return y.usas; }) },
  ];
  var trend = lines({ label: "Total obligations per fiscal year, by source",
    xLabels: years.map(function (y) { return "FY" + y.fy; }), series: series, format: tickMoney,
    tip: function (x, se, v) { return x + " \u00b7 " + se.label + ": " + money(v); } });
  return panel("Both sources, year by year", "Sum over every program compared. SAM.gov actuals replace estimates " +
    "once agencies report them.", [legend(series), trend]);
}

/* Which years hold the gaps, and how much of each is only waiting for a figure. */
function yearChart(ov) {
  var chart = stackedColumns({ label: "Dollars at stake per fiscal year, by triage", format: tickMoney,
    groups: ov.byYear.map(function (y) {
      return { label: "FY" + y.fy, href: "#/findings" + query({ fy: y.fy }), note: moneyCompact(y.k),
        segments: TRIAGE_BUCKETS.map(function (b) {
          var s = y.triage[b.key];
          return { value: num(s.k), cls: b.cls, tip: "FY" + y.fy + " \u00b7 " + b.label + ": " + money(s.k) + " (" +
            plural(s.py, "program-year") + ")" };
        }) };
    }) });
  return panel("Dollars at stake per fiscal year", "Each program-year once. Click a year for its findings.",
    [legend(TRIAGE_LEGEND), chart]);
}

/* Which agencies: the chart for the largest, the table (folded) for all of them. */
function agencySection(ov) {
  var top = ov.byAgency.filter(function (a) { return a.n > 0; }).slice(0, TOP_AGENCIES);
  var chart = hbars({ label: "Dollars at stake by agency, unexplained and explained", labelWidth: 330, noteWidth: 190,
    width: 1220, format: tickMoney,
    rows: top.map(function (a) {
      return { label: a.agency, href: "#/findings" + query({ agency: a.agency }),
        segments: explainedSegments(a, a.agency), note: moneyCompact(a.k) + " \u00b7 " + plural(a.n, "finding") };
    }) });
  var table = dataTable([
    { key: "agency", label: "Agency", type: "text", cls: "name",
      cell: function (a) { return a.n ? h("a", { href: "#/findings" + query({ agency: a.agency }) }, a.agency) : a.agency; } },
    { key: "programs", label: "Programs", type: "num" },
    totalColumn("sam", "SAM.gov actual"),
    totalColumn("usas", "USAspending"),
    { key: "agree", label: "Within tolerance", type: "num", title: "Share of compared dollars in program-years with no open finding",
      value: function (a) { return a.compared && num(a.compared) > 0 ? num(a.within) / num(a.compared) : null; },
      cell: function (a) { return a.compared && num(a.compared) > 0 ? percent(num(a.within), num(a.compared)) : DASH; } },
    { key: "n", label: "Findings", type: "num" },
    totalColumn("k", "At stake"),
    { key: "uk", label: "Unexplained", type: "money", title: "Dollars at stake in non-reporting and lead program-years",
      value: function (a) { return unexplained(a); }, cell: function (a) { return moneySummary(unexplained(a)); } },
  ], ov.byAgency, { id: "agencies-table", pageSize: 50 });
  var shown = top.length < ov.byAgency.length ? "The " + top.length + " agencies with the most dollars at stake; " +
    "the table below lists all " + ov.byAgency.length + "." : "Every agency with an open finding.";
  return panel("By agency", shown, [legend(EXPLAINED_LEGEND), chart,
    h("details", { class: "table-fold", id: "agencies" }, h("summary", null, "Every agency: programs, both sources' " +
      "totals, the share within tolerance"), table.el)], "wide");
}

function largestGaps() {
  var open = FINDINGS.filter(function (f) { return f.isOpen; });
  open.sort(function (a, b) { return num(b.stake) - num(a.stake) || a.index - b.index; });
  var table = dataTable(findingColumns().concat([
    stakeColumn(),
    { key: "triage", label: "Triage", type: "text", cell: triageLink },
    explanationColumn(),
  ]), open.slice(0, LARGEST_GAPS), { id: "gaps-table", pageSize: ROWS_SHOWN, empty: "No open findings." });
  return panel("Largest gaps", "The " + LARGEST_GAPS + " open findings with the most dollars at stake, whatever their " +
    "triage.", table.el, "wide");
}

function runFacts() {
  var items = [];
  DATA.run.facts.forEach(function (f) { items.push(h("dt", null, f[0]), h("dd", null, f[1])); });
  return h("details", { class: "panel wide facts-panel" }, h("summary", null, "About this run"),
    h("dl", { class: "facts" }, items));
}
