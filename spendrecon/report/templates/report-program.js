/* #/program/<ALN>: one program's figures year by year from both sources, and every finding with
   its explanations, review and history. #/programs: the index of all programs. */

var PROGRAM_SERIES = [
  { label: "SAM.gov estimate", cls: "c-est" },
  { label: "SAM.gov actual", cls: "c-act" },
  { label: "USAspending obligations", cls: "c-usas" },
];

var RUN_STARTED = dict();
RUNS.forEach(function (r) { RUN_STARTED[r.id] = r.started; });

function programYears(p, number) {
  var carried = dict();
  (CARRIED[number] || []).forEach(function (c) { carried[c[0]] = c; });
  return p.years.map(function (y) {
    var c = carried[y[0]] || [];
    return { fy: y[0], est: y[1], act: y[2], usas: y[3], samFrom: c[1] || null, usasFrom: c[2] || null,
      renumberedTo: c[3] || null, usasLastReported: c[4] || null };
  });
}

function programChart(number, years) {
  if (!years.length) { return h("p", { class: "muted" }, "Neither source has figures for this program in the warehouse."); }
  return columns({
    label: number + ": obligations per fiscal year, SAM.gov estimate and actual vs USAspending",
    width: 1220, height: 300, series: PROGRAM_SERIES, format: tickMoney,
    groups: years.map(function (y) { return { label: "FY" + y.fy, values: [y.est, y.act, y.usas] }; }),
    tip: function (g, se, v) { return g.label + " \u00b7 " + se.label + ": " + (v === null ? NOT_REPORTED : money(v)); },
  });
}

function figuresTable(years, findings, number) {
  var rows = years.map(function (y) {
    var those = findings.filter(function (f) { return f.fy === y.fy && f.isOpen; });
    var py = PY_STAKES[number + "|" + y.fy] || null;
    return { fy: y.fy, est: y.est, act: y.act, usas: y.usas,
      diff: y.act !== null && y.usas !== null ? fromCents(cents(y.act) - cents(y.usas)) : null,
      rules: those.map(function (f) { return f.rule; }), stake: py ? py.stake : null, triage: py ? py.triage : null };
  });
  return dataTable([
    fyColumn(),
    moneyColumn("est", "SAM.gov estimate"),
    moneyColumn("act", "SAM.gov actual"),
    moneyColumn("usas", "USAspending"),
    moneyColumn("diff", "Actual \u2212 USAspending"),
    { key: "rules", label: "Open findings", type: "text", cls: "rule-cell",
      value: function (r) { return r.rules.map(ruleTitle).join(" "); },
      cell: function (r) { return r.rules.length ? r.rules.map(function (id) { return h("div", null, ruleWords(id)); }) : null; } },
    moneyColumn("stake", "At stake", "The program-year's one amount: the largest of its open findings'"),
    { key: "triage", label: "Triage", type: "text", title: "The bucket of the program-year's most decisive finding",
      cell: function (r) {
        var b = TRIAGE_BUCKETS.filter(function (x) { return x.key === r.triage; })[0];
        return b ? h("span", { class: "triage-link" }, h("i", { class: "sw " + b.cls }), b.one) : null;
      } },
    { key: "carried", label: "Carried forward", type: "text", cls: "carried",
      value: function (r) { return r.carried; } },
  ], rows.map(function (r, i) {
    var y = years[i], notes = [];
    if (y.samFrom) { notes.push("SAM.gov no longer shows this year: figures as of run " + y.samFrom); }
    if (y.usasFrom) { notes.push("USAspending no longer returns it: total as of run " + y.usasFrom); }
    if (y.renumberedTo) { notes.push("SAM.gov renumbered the listing to " + y.renumberedTo + ": its figures count there"); }
    if (y.usasLastReported) {
      notes.push("USAspending no longer holds this year: last reported in run " + y.usasLastReported);
    }
    r.carried = notes.join("; ");
    return r;
  }), { id: "figures-table" }).el;
}

/* SAM.gov's changes to the program's listing, run by run (recon.context_changes): revisions republished
   under a new listing id, renumberings, agency moves, status changes. All text is the source's, shown as text. */
var CONTEXT_CHANGE_WORDS = {
  agency_moved: "moved to another agency", sub_agency_changed: "moved to another sub-agency",
  title_changed: "retitled", status_changed: "status changed", republished: "republished under a new listing id",
  renumbered: "renumbered", no_longer_listed: "no longer listed", listed_again: "listed again",
  assistance_types_changed: "assistance types changed",
};

function listingChanges(number) {
  var changes = CONTEXT_CHANGES[number] || [];
  if (!changes.length) {
    return h("p", { class: "muted", id: "listing-changes" }, "SAM.gov's listing of this program did not change " +
      "between runs.");
  }
  return h("ul", { id: "listing-changes", class: "listing-changes" }, changes.map(function (c) {
    var fromTo = c[3] !== null && c[4] !== null ? ": " + c[3] + " → " + c[4]
      : c[4] !== null ? ": " + c[4] : "";
    return h("li", { "data-change": c[2] }, h("span", { class: "muted" }, c[0] + " (run " + c[1] + ") "),
      (CONTEXT_CHANGE_WORDS[c[2]] || c[2]) + fromTo);
  }));
}

/* Each source's figure over runs, one chart per fiscal year that a source restated (recon.figure_history).
   A step is a restatement; figures that never changed are in the table above. */
var VERSION_SERIES = { "sam|estimate": 0, "sam|actual": 1, "usaspending|obligations": 2 };

function figuresOverRuns(number) {
  var versions = VERSIONS[number] || [];
  if (!versions.length) {
    return h("p", { class: "muted", id: "figures-over-runs" }, "No source has changed a figure of this program " +
      "between runs.");
  }
  var runs = distinct(versions.map(function (v) { return v[4]; }).concat(
    versions.map(function (v) { return v[5]; }).filter(Boolean))).sort();
  var years = distinct(versions.map(function (v) { return v[0]; })).sort();
  return h("div", { id: "figures-over-runs" }, years.map(function (fy) {
    var series = PROGRAM_SERIES.map(function (se) { return { label: se.label, cls: se.cls, values: [] }; });
    var used = {};
    versions.filter(function (v) { return v[0] === fy; }).forEach(function (v) {
      var k = VERSION_SERIES[v[1] + "|" + v[2]];
      if (k === undefined) { return; }
      used[k] = true;
      runs.forEach(function (run, i) {
        if (run >= v[4] && (!v[5] || run < v[5])) { series[k].values[i] = v[3]; }
      });
    });
    series = series.filter(function (se, k) { return used[k]; });
    series.forEach(function (se) {
      for (var i = 0; i < runs.length; i++) { if (se.values[i] === undefined) { se.values[i] = null; } }
    });
    return h("div", { class: "over-runs" }, h("h4", null, "FY" + fy),
      lines({ label: number + " FY" + fy + ": each source's figure in each run", width: 1220, height: 200,
        format: tickMoney, xLabels: runs, series: series,
        tip: function (x, se, v) { return "run " + x + " · " + se.label + ": " + money(v); } }));
  }));
}

function amountsList(f) {
  var items = [[f.samFigure === "estimate" ? "SAM.gov estimate" : "SAM.gov", f.sam], ["USAspending", f.usas],
    ["Difference", f.diff], ["At stake", f.stake]];
  return h("dl", { class: "amounts" }, items.map(function (it) {
    return [h("dt", null, it[0]), h("dd", { class: "num" }, money(it[1]))];
  }));
}

function explanationBlock(f) {
  var notes = NOTES[f.key] || [];
  var others = notes.filter(function (n) { return n[0] !== f.expl; });
  // Explained or not by the triage bucket, the page's one meaning; a non-reporting finding's code is its pattern.
  var head = isUnexplained(f)
    ? [h("span", { class: "unexpl", title: EXPLAINED_MEANING }, "Unexplained"),
      f.expl ? h("p", null, "Pattern: ", explanationWords(f.expl)) : null,
      f.expl && f.explReason ? h("p", null, f.explReason) : null,
      h("p", { class: "muted" }, f.triage === "lead" ? "No legitimate cause fits these figures and none is pending: " +
        "worth a closer look." : "Systemic non-reporting: a question for the program or its agency as a whole.")]
    : f.expl ? [explanationWords(f.expl), f.explReason ? h("p", null, f.explReason) : null]
    : [h("p", { class: "muted" }, "No explanation was recorded.")];
  var bucket = TRIAGE_BUCKETS.filter(function (b) { return b.key === f.triage; })[0];
  var py = f.isOpen ? programYearOf(f) : null;
  var pyBucket = py ? TRIAGE_BUCKETS.filter(function (b) { return b.key === py.triage; })[0] : null;
  return h("div", { class: "block" }, h("h5", null, "Explanation"),
    bucket ? h("p", { class: "sub" }, h("i", { class: "sw " + bucket.cls }), " Triage: " + bucket.label) : null,
    pyBucket && py.triage !== f.triage ? h("p", { class: "sub" }, "Its program-year counts as " + pyBucket.one +
      ": another of its findings is more decisive.") : null, head,
    others.length ? h("p", { class: "sub" }, "Also fits:") : null,
    others.length ? h("ul", { class: "also" }, others.map(function (n) {
      return h("li", null, h("span", { class: "expl" }, explanationTitle(n[0])), " \u2014 ", n[1]);
    })) : null);
}

/* The finding's review (recon.findings) and every review note behind it (recon.annotations), with
   who wrote it and when; the latest is the one in force. */
function reviewBlock(f) {
  var reviews = (REVIEWS[f.program] || []).filter(function (r) {
    return r[0] === f.fy && (r[1] === null || r[1] === f.rule);
  });
  var body;
  if (reviews.length) {
    body = h("ul", { class: "reviews" }, reviews.map(function (r) {
      return h("li", null, reviewBadge(r[2]), r[3] ? h("p", null, r[3]) : null,
        h("span", { class: "sub" }, [r[1] ? "for " + r[1] : "for every rule of FY" + r[0], r[4], r[5]]
          .filter(Boolean).join(" \u00b7 ")));
    }));
  } else if (f.review) {
    body = [reviewBadge(f.review), f.reviewNote ? h("p", null, f.reviewNote) : null];
  } else {
    body = h("p", { class: "muted" }, "Not reviewed.");
  }
  // The review in force no longer applies: the finding needs review again, what the review was said first.
  var stale = f.staleReview ? h("p", { class: "stale-review" }, [reviewBadge(f.review),
    " the review no longer applies: " + f.staleReview]) : null;
  return h("div", { class: "block" }, h("h5", null, "Review"), stale, body);
}

function historyBlock(f) {
  var events = HISTORY[f.key] || [];
  return h("div", { class: "block" }, h("h5", null, "History"),
    events.length ? h("ol", { class: "history" }, events.map(function (e) {
      return h("li", { class: e[0] === DATA.run.id ? "this-run" : null },
        statusBadge(e[1]), " in run ", h("code", null, e[0]), e[0] === DATA.run.id ? " (this run)" : null,
        RUN_STARTED[e[0]] ? h("span", { class: "sub" }, RUN_STARTED[e[0]]) : null,
        h("span", { class: "sub" }, "SAM.gov " + money(e[2]) + " \u00b7 USAspending " + money(e[3])));
    })) : h("p", { class: "muted" }, "No recorded changes."),
    h("p", { class: "sub" }, "First seen in run " + f.firstSeen + "; last seen in run " + f.lastSeen + "."));
}

function findingCard(f) {
  var tone = !f.isOpen ? "is-resolved" : isUnexplained(f) ? "is-unexplained" : "is-explained";
  return h("article", { class: "finding " + tone, "data-fy": f.fy, "data-rule": f.rule,
    "data-status": f.status, "data-key": f.key },
    h("header", null,
      h("span", { class: "fy" }, "FY" + f.fy),
      ruleWords(f.rule),
      severityBadge(f.severity), findingStatus(f),
      f.now ? h("span", { class: "flag" }, "changed in this run") : null),
    h("div", { class: "finding-body" },
      h("div", null, amountsList(f), h("p", { class: "message" }, f.message)),
      explanationBlock(f), reviewBlock(f), historyBlock(f)));
}

function viewProgram(root, number, params) {
  var p = PROGRAMS[number];
  var found = p ? number : findProgram(number);
  if (found && found !== number) { location.replace(programHref(found)); return null; }  // #/program/97102
  var crumbs = h("p", { class: "crumbs" }, h("a", { href: "#/programs" }, "Programs"), " \u203a ", number);
  if (!p) {
    append(root, [crumbs, h("h2", null, "No program " + number + " in this report"),
      h("p", null, "The warehouse has no figures or findings for this number. ",
        h("a", { href: "#/programs" }, "See every program."))]);
    return;
  }
  var years = programYears(p, number);
  var findings = FINDINGS.filter(function (f) { return f.program === number; });
  findings.sort(function (a, b) {
    return (a.isOpen === b.isOpen ? 0 : a.isOpen ? -1 : 1) || a.fy - b.fy ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.index - b.index;
  });
  var open = findings.filter(function (f) { return f.isOpen; });
  var stake = programYearStake(open);
  var unexpl = programYearStake(open, true);
  var unexplYears = distinct(open.filter(function (f) {
    var py = programYearOf(f);
    return py && !EXPLAINED_BUCKETS[py.triage];
  }).map(function (f) { return f.fy; }));
  var agency = agencyOf(number);
  append(root, [
    crumbs,
    h("div", { class: "view-head program-head" },
      h("h2", null, h("span", { class: "aln" }, number), " ", p.title || "(no title in either source)"),
      h("p", { class: "muted" }, agency || UNKNOWN_AGENCY)),
    h("div", { class: "kpis" },
      card(count(open.length), "Open findings", plural(findings.length - open.length, "resolved finding")),
      card(moneySummary(stake), "Dollars at stake", "each program-year once, at the largest of its open findings"),
      card(moneySummary(unexpl), "Unexplained", plural(unexplYears.length, "program-year") + " in non-reporting or " +
        "leads: neither pending nor legitimately explained", "alert"),
      card(count(years.length), "Fiscal years with figures",
        yearsText(years.map(function (y) { return y.fy; })))),
    panel("Obligations per fiscal year", "Bars per fiscal year from both sources; " + DASH + ": " + NOT_REPORTED +
      " by the source (which is not $0).", [legend(PROGRAM_SERIES), programChart(number, years)], "wide chart-panel"),
    panel("Figures", "As the sources report them; the difference uses the SAM.gov actual. A figure the " +
      "source no longer shows is carried forward from the run that last reported it, never blanked.",
      figuresTable(years, findings, number), "wide"),
    panel("Listing changes", "What SAM.gov changed in the program's listing between runs. Past fiscal years " +
      "keep the agency they had when they ended.", listingChanges(number), "wide"),
    panel("Figures over runs", "What each source said in each run, for the years a source restated.",
      [(VERSIONS[number] || []).length ? legend(PROGRAM_SERIES) : null, figuresOverRuns(number)], "wide chart-panel"),
    h("section", { class: "findings-list", id: "program-findings" },
      h("h3", null, "Findings ", h("span", { class: "n" }, "(" + findings.length + ")")),
      findings.length ? findings.map(findingCard) : h("p", { class: "muted" }, "No findings for this program.")),
  ]);
  // #/program/ALN?fy=2022&rule=...: the finding asked for, marked; the router scrolls to it.
  var wanted = params && params.rule ? findings.filter(function (f) {
    return String(f.fy) === String(params.fy) && f.rule === params.rule;
  })[0] : null;
  if (!wanted) { return null; }
  var target = root.querySelector('article.finding[data-key="' + cssEscape(wanted.key) + '"]');
  if (target) { target.classList.add("target"); }
  return target;
}

function cssEscape(text) { return String(text).replace(/["\\]/g, "\\$&"); }

function viewPrograms(root, params) {
  var open = dict();
  FINDINGS.forEach(function (f) {
    if (!f.isOpen) { return; }
    var o = open[f.program] || (open[f.program] = { n: 0, stakes: [], unexpl: [] });
    o.n += 1;
  });
  Object.keys(PY_STAKES).forEach(function (key) {  // each program-year's one amount
    var py = PY_STAKES[key], o = open[py.program];
    if (!o) { return; }
    o.stakes.push(py.stake);
    if (!EXPLAINED_BUCKETS[py.triage]) { o.unexpl.push(py.stake); }
  });
  var all = Object.keys(PROGRAMS).sort().map(function (number) {
    var p = PROGRAMS[number], o = open[number] || { n: 0, stakes: [], unexpl: [] };
    var years = programYears(p, number);
    return { program: number, title: p.title, agency: agencyOf(number), years: years.length,
      act: years.some(function (y) { return y.act !== null; }) ? sumMoney(years.map(function (y) { return y.act; })) : null,
      usas: years.some(function (y) { return y.usas !== null; }) ? sumMoney(years.map(function (y) { return y.usas; })) : null,
      n: o.n, stake: o.n ? sumMoney(o.stakes) : null, unexpl: o.unexpl.length ? sumMoney(o.unexpl) : null,
      haystack: [number, programKey(number), p.title, agencyOf(number)].filter(Boolean).join(" ").toLowerCase() };
  });
  var state = { q: params.q || "", agency: params.agency || "", only: params.only || "" };
  var table = dataTable([
    programColumn(true),
    { key: "agency", label: "Agency", type: "text", cls: "name" },
    { key: "years", label: "Years", type: "num" },
    totalColumn("act", "SAM.gov actual, all years"),
    totalColumn("usas", "USAspending, all years"),
    { key: "n", label: "Open findings", type: "num" },
    totalColumn("stake", "At stake", "Its program-years' dollars at stake, each once"),
    totalColumn("unexpl", "Unexplained", "Dollars at stake in its non-reporting and lead program-years"),
  ], [], { id: "programs-table", pageSize: 200, sort: { key: "stake", desc: true } });
  var shown = h("p", { class: "shown" });
  function refresh() {
    var needle = state.q.trim().toLowerCase();
    var rows = all.filter(function (r) {
      return (!needle || r.haystack.indexOf(needle) !== -1) && (!state.agency || r.agency === state.agency) &&
        (!state.only || r.n > 0);
    });
    table.update(rows);
    shown.textContent = plural(rows.length, "program") + " of " + count(all.length);
  }
  var agencies = distinct(all.map(function (r) { return r.agency; })).sort();
  append(root, [
    h("div", { class: "view-head" }, h("h2", null, "Programs"),
      h("p", { class: "muted" }, "Every program in either source. Open one for its figures and findings.")),
    h("section", { class: "panel wide" },
      h("div", { class: "controls" },
        h("label", { class: "ctl grow" }, h("span", null, "Search"),
          h("input", { type: "search", id: "p-text", value: state.q, placeholder: "ALN, title or agency\u2026",
            oninput: function (e) { state.q = e.target.value; refresh(); } })),
        select("p-agency", "Agency", [["", "All agencies"]].concat(agencies.map(function (a) { return [a, a]; })),
          state.agency, function (e) { state.agency = e.target.value; refresh(); }),
        select("p-only", "Show", [["", "All programs"], ["findings", "With open findings"]], state.only,
          function (e) { state.only = e.target.value; refresh(); })),
      shown, table.el),
  ]);
  refresh();
}
