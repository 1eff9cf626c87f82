/* #/findings: every finding, filtered and sorted in the browser. The hash can preset filters
   (#/findings?rule=amount_mismatch&fy=2022), which is how the overview's charts link here. */

var STATUS_FILTERS = [
  ["open", "Open (new, open, reopened)"],
  ["new", "New"],
  ["open-seen", "Open, seen before"],
  ["reopened", "Reopened"],
  ["resolved-now", "Resolved by this run"],
  ["resolved", "Resolved (any run)"],
  ["rule-off", "Rule switched off (not counted)"],
  ["all", "All findings"],
];
var STATUS_ORDER = { "new": 0, reopened: 1, open: 2, resolved: 3 };

function fyColumn() {
  // A year is not an amount: no thousands separator.
  return { key: "fy", label: "FY", type: "num", cell: function (r) { return String(r.fy); } };
}

/* The rule in words, its id beside it; sorts by the words. */
function ruleColumn() {
  return { key: "rule", label: "Rule", type: "text", cls: "rule-cell", value: function (f) { return ruleTitle(f.rule); },
    cell: function (f) { return ruleWords(f.rule); } };
}

/* SAM.gov's figure, an estimate labelled as one (estimate_only compares the estimate): it stands next to
   USAspending's obligations and other findings' actuals. */
function samColumn() {
  return { key: "sam", label: "SAM.gov", type: "money",
    cell: function (f) {
      return f.sam === null || f.sam === undefined ? DASH
        : [money(f.sam), f.samFigure === "estimate" ? h("span", { class: "sub estimate" }, "estimate") : null];
    } };
}

/* The finding's triage bucket, a link to its card on the program page, where the explanation that put it
   there (and every other that fits) is spelled out. */
function triageLink(f) {
  var bucket = TRIAGE_BUCKETS.filter(function (b) { return b.key === f.triage; })[0];
  return h("a", { href: findingHref(f), class: "triage-link", title: "Why: the finding's explanations" },
    h("i", { class: "sw " + (bucket ? bucket.cls : "c-restated") }), bucket ? bucket.one : f.triage);
}

/* The columns every list of findings starts with (largest gaps, leads, changes): program with title
   and agency, year, rule, then each source's figure. */
function findingColumns() {
  return [programColumn(true, true), fyColumn(), ruleColumn(), samColumn(), moneyColumn("usas", "USAspending")];
}

/* Explained or unexplained by the finding's triage bucket (the page's one meaning); then its explanation in words
   with the code beside it - for a non-reporting finding, the pattern - and the reason clamped to two lines (the
   whole sentence as tooltip). */
function explanationCell(f) {
  var head = isUnexplained(f) ? h("span", { class: "unexpl", title: EXPLAINED_MEANING }, "unexplained") : null;
  if (!f.expl) { return head || DASH; }
  return [head, h("div", null, isUnexplained(f) ? "pattern: " : null, explanationWords(f.expl)),
    f.explReason ? h("span", { class: "sub clamp", title: f.explReason }, f.explReason) : null];
}

function explanationColumn() {
  return { key: "expl", label: "Explanation", type: "text", cls: "wide-text", cell: explanationCell };
}

/* Which side is larger: the direction a signed difference would show, in words (saves a column). */
function gapSide(f) {
  if (f.diff !== null) { return f.diff.charAt(0) === "-" ? "USAspending higher" : "SAM.gov higher"; }
  return f.sam !== null ? "SAM.gov only" : "USAspending only";
}

/* The finding's dollars at stake, exact, with which side is larger below. */
function stakeColumn() {
  return { key: "stake", label: "At stake", type: "money", title: "The absolute difference, or the one amount that exists",
    cell: function (f) { return [money(f.stake), h("span", { class: "sub" }, gapSide(f))]; } };
}

function reviewCell(f) {
  if (!f.review) { return null; }
  // A review that no longer applies shows as needs-review, with what it was beside it.
  return h("div", { class: "review" }, reviewBadge(f.review),
    f.staleReview ? h("span", { class: "sub stale-review" }, "was: " + f.staleReview) : null,
    f.reviewNote ? h("span", { class: "sub clamp", title: f.reviewNote }, f.reviewNote) : null);
}

function matchesReview(f, wanted) {
  if (wanted === "none") { return !f.review; }
  if (wanted === "stale") { return !!f.staleReview; }
  return f.review === wanted;
}

function matchesStatus(f, wanted) {
  switch (wanted) {
    case "open": return f.isOpen;
    case "open-seen": return f.status === "open";
    case "resolved-now": return f.status === "resolved" && f.now;
    case "rule-off": return !!f.ruleOff && f.status !== "resolved";
    case "all": return true;
    default: return f.status === wanted;
  }
}

function matchesExplanation(f, wanted) {
  if (wanted.indexOf("triage:") === 0) { return f.triage === wanted.slice(7); }
  if (wanted === "explained") { return isExplained(f); }
  if (wanted === "unexplained") { return isUnexplained(f); }
  return f.expl === wanted;
}

function filterFindings(filters) {
  var needle = filters.q.trim().toLowerCase();
  return FINDINGS.filter(function (f) {
    return matchesStatus(f, filters.status || "open") &&
      (!filters.rule || f.rule === filters.rule) &&
      (!filters.severity || f.severity === filters.severity) &&
      (!filters.expl || matchesExplanation(f, filters.expl)) &&
      (!filters.review || matchesReview(f, filters.review)) &&
      (!filters.agency || f.agency === filters.agency) &&
      (!filters.fy || String(f.fy) === String(filters.fy)) &&
      (!needle || f.haystack.indexOf(needle) !== -1);
  });
}

function distinct(values) {
  var seen = dict();
  return values.filter(function (v) {
    if (v === null || v === undefined || seen[v]) { return false; }
    seen[v] = true;
    return true;
  });
}

/* The shown findings, and the dollars at stake of the open ones' program-years (each once), unexplained apart:
   rounded, the exact figures as tooltip. */
function findingsTotals(el, rows) {
  var open = rows.filter(function (f) { return f.isOpen; });
  var stake = programYearStake(open), unexpl = programYearStake(open, true);
  el.textContent = plural(rows.length, "finding") + " of " + count(FINDINGS.length) +
    (open.length ? " \u00b7 " + moneyCompact(stake) + " at stake in the open ones' program-years (each once), " +
      moneyCompact(unexpl) + " unexplained" : "");
  el.title = open.length ? money(stake) + " at stake, " + money(unexpl) + " unexplained" : "";
}

function viewFindings(root, params) {
  var filters = { q: params.q || "", rule: params.rule || "", severity: params.severity || "",
    status: params.status || "open", expl: params.expl || "", review: params.review || "",
    agency: params.agency || "", fy: params.fy || "" };
  var codes = distinct(Object.keys(DATA.explanations).concat(FINDINGS.map(function (f) { return f.expl; })));
  var agencies = distinct(FINDINGS.map(function (f) { return f.agency; })).sort();
  var years = distinct(FINDINGS.map(function (f) { return f.fy; })).sort();
  var shown = h("p", { id: "f-shown", class: "shown", "aria-live": "polite" });

  function set(key) {
    return function (event) { filters[key] = event.target.value; refresh(); };
  }
  var search = h("input", { type: "search", id: "f-text", value: filters.q, placeholder: "Program, title, agency, message, note\u2026",
    "aria-label": "Search findings", oninput: set("q") });
  var controls = h("div", { class: "controls" },
    h("label", { class: "ctl grow" }, h("span", null, "Search"), search),
    select("f-rule", "Rule", [["", "All rules"]].concat(DATA.rules.map(function (r) { return [r.id, r.title]; })),
      filters.rule, set("rule")),
    select("f-severity", "Severity", [["", "All"], ["error", "error"], ["warning", "warning"], ["info", "info"]],
      filters.severity, set("severity")),
    select("f-status", "Status", STATUS_FILTERS, filters.status, set("status")),
    select("f-expl", "Explanation", [["", "All"], ["unexplained", "Unexplained (non-reporting and leads)"],
      ["explained", "Explained (legitimate and pending)"],
      ["triage:pending", "Triage: pending (not due yet)"], ["triage:legitimate", "Triage: legitimate"],
      ["triage:non_reporting", "Triage: non-reporting"], ["triage:lead", "Triage: leads"],
      ["triage:restatement", "Triage: restatements"]]
      .concat(codes.map(function (c) { return [c, explanationTitle(c)]; })), filters.expl, set("expl")),
    select("f-review", "Review", [["", "All"], ["none", "Not reviewed"], ["accepted", "Accepted"],
      ["disputed", "Disputed"], ["needs-review", "Needs review"], ["stale", "Review gone stale"]],
      filters.review, set("review")),
    select("f-agency", "Agency", [["", "All agencies"]].concat(agencies.map(function (a) { return [a, a]; })),
      filters.agency, set("agency")),
    select("f-fy", "Fiscal year", [["", "All years"]].concat(years.map(function (y) { return [String(y), "FY" + y]; })),
      String(filters.fy), set("fy")),
    h("button", { type: "button", class: "link reset", onclick: reset }, "Reset"));

  var ids = { q: "f-text", rule: "f-rule", severity: "f-severity", status: "f-status", expl: "f-expl",
    review: "f-review", agency: "f-agency", fy: "f-fy" };
  function reset() {
    Object.keys(ids).forEach(function (key) {
      filters[key] = key === "status" ? "open" : "";
      document.getElementById(ids[key]).value = filters[key];
    });
    refresh();
  }

  var table = dataTable([
    programColumn(true, true),
    fyColumn(),
    { key: "rule", label: "Rule", type: "text", title: "Sorts by severity, then rule", cls: "rule-cell",
      value: function (f) { return SEVERITY_ORDER[f.severity] + " " + ruleTitle(f.rule); },
      cell: function (f) { return [severityBadge(f.severity), " ", ruleWords(f.rule)]; } },
    { key: "status", label: "Status", type: "text", value: function (f) { return STATUS_ORDER[f.status]; },
      cell: findingStatus },
    samColumn(),
    moneyColumn("usas", "USAspending"),
    stakeColumn(),
    { key: "triage", label: "Triage", type: "text", title: "The finding's bucket: click for why",
      cell: triageLink },
    { key: "expl", label: "Explanation \u00b7 review", type: "text", cls: "wide-text",
      cell: function (f) { return [explanationCell(f), reviewCell(f)]; } },
  ], [], { id: "findings-table", pageSize: 200, empty: "No finding matches these filters.",
    rowAttrs: function (f) {
      return { "data-program": f.program, "data-rule": f.rule, "data-fy": f.fy, title: f.message };
    } });

  function refresh() {
    var rows = filterFindings(filters);
    table.update(rows);
    findingsTotals(shown, rows);
  }

  append(root, [
    h("div", { class: "view-head" }, h("h2", null, "Findings"),
      h("p", { class: "muted" }, "Open findings by default. Click a column header to sort; hover a row for its message.")),
    h("section", { class: "panel wide" }, controls, shown, table.el),
  ]);
  refresh();
}
