/* #/changes: what this run changed (new, reopened and resolved findings, from its events) and
   the history of runs. */

var EVENT_FILTERS = [["", "All changes"], ["new", "New"], ["reopened", "Reopened"], ["resolved", "Resolved"]];
var RUN_TREND = 30; // runs in the "open findings after each run" chart

function findingByKey() {
  var map = dict();
  FINDINGS.forEach(function (f) { map[f.key] = f; });
  return map;
}

function runTrend() {
  var runs = RUNS.filter(function (r) { return r.status === "succeeded" && r.open !== null; }).slice(0, RUN_TREND).reverse();
  if (runs.length < 2) { return null; }
  var chart = lines({ label: "Open findings after each run", width: 1220, height: 220, format: count,
    xLabels: runs.map(function (r) { return (r.started || r.id).slice(0, 10); }),
    series: [{ label: "Open findings", cls: "c-act", values: runs.map(function (r) { return r.open; }) },
      { label: "New", cls: "c-usas", values: runs.map(function (r) { return r["new"]; }) },
      { label: "Resolved", cls: "c-expl", values: runs.map(function (r) { return r.resolved; }) }],
    tip: function (x, se, v) { return x + " \u00b7 " + se.label + ": " + count(v); } });
  return panel("Findings across runs", "The last " + runs.length + " succeeded runs, oldest first.",
    [legend([{ cls: "c-act", label: "Open after the run" }, { cls: "c-usas", label: "New" },
      { cls: "c-expl", label: "Resolved" }]), chart], "wide");
}

function runsTable() {
  return panel("Runs", "From meta.runs, newest first; this report's run is highlighted.", dataTable([
    { key: "id", label: "Run", type: "text", cls: "mono" },
    { key: "started", label: "Started", type: "text" },
    { key: "status", label: "Status", type: "text", cell: function (r) { return badge("run", r.status); } },
    { key: "mode", label: "Mode", type: "text" },
    { key: "fys", label: "Fiscal years", type: "text", value: function (r) { return (r.fys || []).join(" "); },
      cell: function (r) { return yearsText(r.fys || []); } },
    { key: "programYears", label: "Program-years", type: "num" },
    { key: "open", label: "Open", type: "num" },
    { key: "new", label: "New", type: "num" },
    { key: "resolved", label: "Resolved", type: "num" },
    { key: "warnings", label: "Warnings", type: "num" },
  ], RUNS, { id: "runs-table", pageSize: 50,
    rowAttrs: function (r) { return r.id === DATA.run.id ? { class: "this-run" } : null; } }).el, "wide");
}

function viewChanges(root, params) {
  var byKey = findingByKey();
  var rows = EVENTS.map(function (e) {
    var f = byKey[e.program + "|" + e.fy + "|" + e.rule];
    return { event: e.event, program: e.program, title: (PROGRAMS[e.program] || {}).title || null,
      agency: agencyOf(e.program), fy: e.fy, rule: e.rule, sam: e.sam, samFigure: e.samFigure, usas: e.usas,
      stake: e.stake,
      expl: f ? f.expl : null, explReason: f ? f.explReason : null, reason: e.reason || null };
  });
  var tally = { "new": 0, reopened: 0, resolved: 0 };
  rows.forEach(function (r) { tally[r.event] = (tally[r.event] || 0) + 1; });
  var filter = params.event || "";
  var table = dataTable([
    { key: "event", label: "Change", type: "text", cell: function (r) { return statusBadge(r.event); } },
  ].concat(findingColumns(), [
    moneyColumn("stake", "At stake"),
    { key: "reason", label: "Why resolved", type: "text", cls: "reason",
      cell: function (r) { return r.reason ? (REASON_LABELS[r.reason] || r.reason) : null; } },
    explanationColumn(),
  ]), [], { id: "events-table", pageSize: 200, empty: "This run changed no finding." });
  var shown = h("p", { class: "shown" });
  function refresh() {
    var picked = rows.filter(function (r) { return !filter || r.event === filter; });
    table.update(picked);
    var stake = sumMoney(picked.map(function (r) { return r.stake; }));
    shown.textContent = plural(picked.length, "change") + " \u00b7 " + moneyCompact(stake) + " at stake";
    shown.title = money(stake);
  }
  var previous = DATA.run.previous;
  append(root, [
    h("div", { class: "view-head" }, h("h2", null, "Changes since the last run"),
      h("p", { class: "muted" }, previous ? "What run " + DATA.run.id + " changed compared with run " + previous + "."
        : "Run " + DATA.run.id + " is the first run: every finding is new.")),
    DATA.run.isLatest ? null : h("div", { class: "note" }, DATA.run.note),
    h("div", { class: "kpis" },
      card(count(tally["new"]), "New", "findings seen for the first time"),
      card(count(tally.reopened), "Reopened", "resolved before, back again"),
      card(count(tally.resolved), "Resolved", "no longer flagged by this run", "calm")),
    h("section", { class: "panel wide" }, h("h3", null, "This run's changes"),
      h("div", { class: "controls" }, select("c-event", "Show", EVENT_FILTERS, filter,
        function (e) { filter = e.target.value; refresh(); })), shown, table.el),
    restatementsTable(),
    runTrend(),
    runsTable(),
  ]);
  refresh();
}

/* Completed fiscal years whose figure a source changed, first seen by this run (recon.restatements). */
function restatementsTable() {
  var rows = RESTATEMENTS.map(function (r) {
    return { source: r.source === "sam" ? "SAM.gov" : "USAspending", program: r.program,
      title: (PROGRAMS[r.program] || {}).title || null, fy: r.fy, measure: r.measure, old: r.old, "new": r["new"],
      change: r.change, oldRun: r.oldRun };
  });
  return panel("Restated by this run", plural(rows.length, "figure") + " of completed fiscal years that a source " +
    "changed since an earlier run (old → new). Absent years are not restatements: they are carried forward.",
    dataTable([
      { key: "source", label: "Source", type: "text" },
      programColumn(true),
      fyColumn(),
      { key: "measure", label: "Figure", type: "text" },
      moneyColumn("old", "Was"),
      moneyColumn("new", "Now"),
      moneyColumn("change", "Change"),
      { key: "oldRun", label: "Said in run", type: "text", cls: "mono" },
    ], rows, { id: "restatements-table", pageSize: 50, sort: { key: "change", desc: true },
      empty: "No source restated a figure in this run." }).el, "wide");
}
