/* The triage, leads first: every open program-year sits in one bucket, its most decisive finding's -
   pending (the SAM.gov actual a rule needs is not due yet: a wait), a legitimate difference (a known cause
   that is no reporting failure), systemic non-reporting (the program, its listing or its whole (sub-)agency
   does not report to USAspending or SAM.gov) or a lead (none of these: where money may really be missing or
   misfiled) - with one amount at stake, so the buckets add up. The overview opens with it; #/nonreporting
   lists the non-reporters once per program. */

var TRIAGE_BUCKETS = [
  { key: "lead", label: "Leads", one: "lead", cls: "c-lead", tone: "alert",
    detail: "no pending figure, no legitimate cause, program reports in other years" },
  { key: "non_reporting", label: "Systemic non-reporting", one: "non-reporting", cls: "c-nonrep", tone: "nonrep",
    detail: "program, listing or (sub-)agency absent from USAspending or SAM.gov" },
  { key: "legitimate", label: "Legitimate differences", one: "legitimate", cls: "c-legit", tone: "calm",
    detail: "loans, timing, non-award lines, another ALN\u2026" },
  { key: "pending", label: "Pending", one: "pending", cls: "c-pending", tone: "pending",
    detail: "SAM.gov actual not due yet: wait for the listing's annual update" },
];
var TRIAGE_LEGEND = TRIAGE_BUCKETS.map(function (b) { return { cls: b.cls, label: b.label }; });
var LEADS_SHOWN = 25;

function triageHref(bucket, rule) { return "#/findings" + query({ expl: "triage:" + bucket, rule: rule || "" }); }

/* How much is at stake and how much of it has a known reason: the four buckets as cards, grouped into
   unexplained (leads, non-reporting) and explained (legitimate, pending), over one bar of the four. */
function triageSection(all) {
  var total = sumMoney(TRIAGE_BUCKETS.map(function (b) { return all[b.key].k; }));
  function group(buckets, label, tone) {
    var k = sumMoney(buckets.map(function (b) { return all[b.key].k; }));
    var py = buckets.reduce(function (t, b) { return t + all[b.key].py; }, 0);
    return h("div", { class: "triage-group group-" + tone },
      h("p", { class: "group-head" }, h("b", null, label + " "), moneySummary(k),
        " · " + percent(num(k), num(total)) + " of dollars · " + plural(py, "program-year")),
      h("div", { class: "kpis triage-kpis" }, buckets.map(function (b) {
        var s = all[b.key];
        return h("a", { class: "kpi-link", href: b.key === "non_reporting" ? "#/nonreporting" : triageHref(b.key) },
          card(moneySummary(s.k), b.label, percent(num(s.k), num(total)) + " · " + plural(s.py, "program-year") +
            " · " + plural(s.n, "finding") + " · " + b.detail, b.tone));
      })));
  }
  var bar = shareBar(TRIAGE_BUCKETS.map(function (b) {
    var s = all[b.key];
    return { value: num(s.k), cls: b.cls, tip: b.label + ": " + money(s.k) + " (" + percent(num(s.k), num(total)) + ")" };
  }), "Dollars at stake by triage bucket");
  return h("section", { class: "panel wide triage-panel" },
    h("h3", null, "Where the dollars at stake stand"),
    h("p", { class: "panel-sub", id: "explained-meaning" }, EXPLAINED_MEANING),
    h("div", { class: "triage-groups" },
      group(TRIAGE_BUCKETS.filter(function (b) { return UNEXPLAINED_BUCKETS[b.key]; }), "Unexplained", "alert"),
      group(TRIAGE_BUCKETS.filter(function (b) { return EXPLAINED_BUCKETS[b.key]; }), "Explained", "calm")),
    bar);
}

function reportedYears(years) {
  if (!years || !years.length) { return h("span", { class: "muted" }, "none held"); }
  return years.map(function (y) { return "FY" + y; }).join(", ");
}

function topLeads() {
  var rows = rowsOf(DATA.leads).map(function (r) {
    r.title = PROGRAMS[r.program] ? PROGRAMS[r.program].title : null;
    r.agency = agencyOf(r.program);
    r.triage = "lead";
    return r;
  });
  var table = dataTable([
    { key: "severity", label: "Severity", type: "text", value: function (r) { return SEVERITY_ORDER[r.severity]; },
      cell: function (r) { return severityBadge(r.severity); } },
    programColumn(true, true),
    fyColumn(),
    { key: "rule", label: "Rule", type: "text", value: function (r) { return ruleTitle(r.rule); },
      cell: function (r) { return ruleWords(r.rule); } },
    samColumn(),
    moneyColumn("usas", "USAspending"),
    moneyColumn("stake", "At stake", "The program-year's dollars at stake: the largest of its findings', counted once"),
    { key: "reported", label: "USAspending reports in", type: "text",
      value: function (r) { return (r.reported || []).join(","); }, cell: function (r) { return reportedYears(r.reported); } },
    { key: "triage", label: "Why", type: "text", cell: triageLink },
  ], rows, { id: "leads-table", pageSize: ROWS_SHOWN, empty: "No leads: every open finding is pending, has a legitimate cause or a " +
    "non-reporting pattern." });
  var more = DATA.leadCount > rows.length
    ? h("p", { class: "sub" }, h("a", { href: triageHref("lead") }, "All " + count(DATA.leadCount) + " leads"),
      " \u00b7 spendrecon findings --leads \u00b7 recon.leads")
    : null;
  return panel("Leads first", "The first " + Math.min(LEADS_SHOWN, DATA.leadCount) + " of " + count(DATA.leadCount) +
    " leads (" + plural(DATA.leadProgramYears || 0, "program-year") + ", " + moneyCompact(DATA.leadStake) + " at stake, each " +
    "program-year once): open findings with no pending figure and no legitimate cause, of programs that report to " +
    "USAspending in other years - where money may really be missing or misfiled. By severity, then the " +
    "program-year's dollars: an error before any warning, a warning before any info.", [table.el, more],
    "wide leads-panel");
}

/* #/nonreporting: one row per program, with its years and dollars, grouped by agency. */
function viewNonReporting(root) {
  var rows = rowsOf(DATA.nonReporting).map(function (r) {
    r.title = PROGRAMS[r.program] ? PROGRAMS[r.program].title : null;
    return r;
  });
  var agencies = dict();
  rows.forEach(function (r) {
    var key = r.agency || UNKNOWN_AGENCY;
    var a = agencies[key] || (agencies[key] = { agency: key, programs: 0, n: 0, stake: [] });
    a.programs += 1; a.n += r.n; a.stake.push(r.stake);
  });
  var byAgency = Object.keys(agencies).map(function (k) {
    var a = agencies[k]; a.k = sumMoney(a.stake); return a;
  });
  var agencyTable = dataTable([
    { key: "agency", label: "Agency", type: "text", cls: "name" },
    { key: "programs", label: "Programs", type: "num" },
    { key: "n", label: "Findings", type: "num" },
    totalColumn("k", "At stake"),
  ], byAgency, { id: "nonrep-agencies", sort: { key: "k", desc: true }, empty: "No systemic non-reporting." });
  var programTable = dataTable([
    { key: "agency", label: "Agency", type: "text", cls: "name" },
    programColumn(true, false),
    { key: "years", label: "Fiscal years", type: "text", value: function (r) { return r.years.join(","); },
      cell: function (r) { return r.years.map(function (y) { return "FY" + y; }).join(", "); } },
    { key: "codes", label: "Pattern", type: "text", value: function (r) { return r.codes.join(","); },
      cell: function (r) { return r.codes.map(function (c) { return h("div", null, explanationWords(c)); }); } },
    { key: "n", label: "Findings", type: "num" },
    totalColumn("stake", "At stake", "The program's years in the bucket, each at its one amount"),
  ], rows, { id: "nonrep-programs", pageSize: 200, empty: "No systemic non-reporting." });
  append(root, [
    h("div", { class: "view-head" }, h("h2", null, "Systemic non-reporting"),
      h("p", { class: "muted" }, "On USAspending's side, programs that never report in the years the warehouse " +
        "holds (never_reported) and (sub-)agencies that report nothing in a year while SAM.gov shows actuals " +
        "(agency_silent); on SAM.gov's side, listings that never report an actual (sam_never_reported), " +
        "(sub-)agencies whose listings report no actual for a year that is due while USAspending records their " +
        "money (sam_agency_silent), and listings that skip a due year's actual (sam_year_not_reported): one " +
        "compliance question per program, listing or agency, not one per year. These findings stay open; nothing " +
        "here explains them away. Each program-year counts once, at its one amount.")),
    panel("By agency", plural(rows.length, "program") + " in " + plural(byAgency.length, "agency", "agencies") + ".",
      agencyTable.el, "wide"),
    panel("By program", "One row per program: the fiscal years it is missing and the dollars at stake.",
      programTable.el, "wide"),
  ]);
}
