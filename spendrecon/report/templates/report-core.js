/* Helpers shared by every view: building DOM and SVG safely, exact money, the decoded report data.
   Source text only ever reaches the page through text nodes and attribute values, never as markup. */

var SVG_NS = document.querySelector("svg.defs").namespaceURI;

function append(el, child) {
  if (child === null || child === undefined || child === false) { return; }
  if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
  el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
}

function setAttrs(el, attrs) {
  Object.keys(attrs || {}).forEach(function (key) {
    var value = attrs[key];
    if (value === null || value === undefined || value === false) { return; }
    if (key.slice(0, 2) === "on") { el.addEventListener(key.slice(2), value); return; }
    // Links stay inside the page: the report must never point a reader (or a fetch) elsewhere.
    if (key === "href" && String(value).charAt(0) !== "#") { throw new Error("external link refused"); }
    el.setAttribute(key, value === true ? "" : String(value));
  });
}

/* h("td", {class: "num"}, "text", childNode, [more]) */
function h(tag, attrs) {
  var el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, Array.prototype.slice.call(arguments, 2));
  return el;
}

function svgNode(tag, attrs) {
  var el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, Array.prototype.slice.call(arguments, 2));
  return el;
}

function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } return el; }

function programHref(number) { return "#/program/" + encodeURIComponent(number); }

function query(params) {
  var parts = Object.keys(params).filter(function (k) { return params[k] !== "" && params[k] !== null; })
    .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); });
  return parts.length ? "?" + parts.join("&") : "";
}

/* --- money: exact text in, exact text out; floats only for drawing and ordering --- */

function cents(text) {
  if (text === null || text === undefined) { return null; }
  var neg = text.charAt(0) === "-";
  var parts = (neg ? text.slice(1) : text).split(".");
  var frac = ((parts[1] || "") + "00").slice(0, 2);
  var value = BigInt(parts[0] || "0") * 100n + BigInt(frac);
  return neg ? -value : value;
}

function fromCents(value) {
  var neg = value < 0n;
  var abs = (neg ? -value : value).toString().padStart(3, "0");
  return (neg ? "-" : "") + abs.slice(0, -2) + "." + abs.slice(-2);
}

function sumMoney(texts) {
  var total = 0n;
  texts.forEach(function (t) { if (t !== null && t !== undefined) { total += cents(t); } });
  return fromCents(total);
}

/* "-1234567.80" -> "-$1,234,567.80" (the same text as the Markdown and CSV reports). */
function money(text) {
  if (text === null || text === undefined) { return DASH; }
  var neg = text.charAt(0) === "-";
  var parts = (neg ? text.slice(1) : text).split(".");
  var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (neg ? "-" : "") + "$" + whole + "." + ((parts[1] || "") + "00").slice(0, 2);
}

function num(text) { return text === null || text === undefined ? null : parseFloat(text); }

/* Money rounded to a readable unit, for summaries (cards, totals, chart labels, tables of sums): $1.34T,
   $86.47B, -$699.50K, $999.99 (under a thousand, exact). warehouse/money.py format_money_compact to the
   letter - the same units, rounding halves to even (Python's Decimal) on exact cents, the same text;
   tests/test_report_browser.py holds the two to each other. The exact figure goes beside it as a tooltip. */
var COMPACT_UNITS = [[12, "T"], [9, "B"], [6, "M"], [3, "K"]];

function halfEven(n, d) {
  var q = n / d, r = n % d;
  return 2n * r > d || (2n * r === d && q % 2n === 1n) ? q + 1n : q;
}

function moneyCompact(text) {
  if (text === null || text === undefined) { return DASH; }
  var c = cents(text), sign = c < 0n ? "-" : "", size = c < 0n ? -c : c;
  for (var i = 0; i < COMPACT_UNITS.length; i++) {
    var per = 10n ** BigInt(COMPACT_UNITS[i][0]);  // cents per hundredth of the unit
    if (size >= per * 100n) {
      var shown = halfEven(size, per), letter = COMPACT_UNITS[i][1];
      if (shown >= 100000n && i > 0) {  // $999.996M rounds to $1.00B, not $1000.00M
        shown = halfEven(size, 10n ** BigInt(COMPACT_UNITS[i - 1][0]));
        letter = COMPACT_UNITS[i - 1][1];
      }
      return sign + "$" + fromCents(shown) + letter;
    }
  }
  return sign + money(fromCents(size));
}

/* A summary figure: rounded, with the exact one as its tooltip. */
function moneySummary(text) {
  return h("span", { class: "money", title: text === null || text === undefined ? null : money(text) },
    moneyCompact(text));
}

/* Axis ticks only ($1.5T, $500B, $12K): round steps read best without decimals. */
function tickMoney(value) {
  if (value === null || value === undefined) { return DASH; }
  var abs = Math.abs(value);
  var sign = value < 0 ? "-" : "";
  var units = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];
  for (var i = 0; i < units.length; i++) {
    if (abs >= units[i][0]) { return sign + "$" + trimNumber(abs / units[i][0]) + units[i][1]; }
  }
  return sign + "$" + trimNumber(abs);
}

function trimNumber(x) {
  var digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return String(parseFloat(x.toFixed(digits)));
}

function count(n) { return n === null || n === undefined ? DASH : Number(n).toLocaleString("en-US"); }

function percent(part, whole) {
  if (!whole) { return DASH; }
  var p = part / whole * 100;
  if (p > 0 && p < 1) { return "<1%"; }
  if (p > 99 && p < 100) { return ">99%"; }
  return Math.round(p) + "%";
}

function plural(n, one, many) { return count(n) + " " + (n === 1 ? one : (many || one + "s")); }

/* --- the data --- */

function rowsOf(table) {
  return table.rows.map(function (row) {
    var obj = {};
    table.cols.forEach(function (c, i) { obj[c] = row[i]; });
    return obj;
  });
}

/* Lookup tables keyed by source text (program numbers, codes) have no prototype, so a key such as
   "constructor" or "__proto__" from the URL or the data is just a missing or ordinary entry. */
function dict(obj) {
  var d = Object.create(null);
  Object.keys(obj || {}).forEach(function (k) { d[k] = obj[k]; });
  return d;
}

var DATA = JSON.parse(document.getElementById("report-data").textContent);
/* A missing amount, as the Python side renders it (warehouse/money.py NOT_REPORTED in words, summary.md's
   DASH in tables and charts), delivered in the data: a missing figure never reads like $0. */
var NOT_REPORTED = DATA.missing.words;
var DASH = DATA.missing.dash;
var UNKNOWN_AGENCY = DATA.missing.agency;  /* macro unknown_agency (macros.sql), as the agency tables say it */
var RULES = dict();
DATA.rules.forEach(function (r, i) { RULES[r.id] = { title: r.title, severity: r.severity, order: i }; });
var AGENCIES = DATA.programs.agencies;
var PROGRAMS = dict(DATA.programs.byNumber);
var EXPLANATIONS = dict(DATA.explanations);
var NOTES = dict(DATA.notes);
var REVIEWS = dict(DATA.reviews);
var HISTORY = dict(DATA.history);
var FINDINGS = rowsOf(DATA.findings);
var EVENTS = rowsOf(DATA.events);
var RESTATEMENTS = DATA.restatements ? rowsOf(DATA.restatements) : [];
var VERSIONS = dict(DATA.versions || {});
var CARRIED = dict(DATA.carried || {});
var CONTEXT_CHANGES = dict(DATA.contextChanges || {});
/* Why a finding resolved or reopened, in words: summary.md's (spendrecon/report/history.py REASON_TEXT). */
var REASON_LABELS = dict(DATA.reasons || {});
var RUNS = rowsOf(DATA.runs);
var SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };
var STATUS_LABELS = { "new": "new", open: "open", reopened: "reopened", resolved: "resolved" };
var REVIEW_LABELS = { accepted: "accepted", disputed: "disputed", "needs-review": "needs review" };

FINDINGS.forEach(function (f, i) {
  var p = PROGRAMS[f.program] || {};
  f.index = i;
  f.title = p.title || null;
  f.agency = p.agency === null || p.agency === undefined ? null : AGENCIES[p.agency];
  f.key = f.program + "|" + f.fy + "|" + f.rule;
  // A switched-off rule's finding is kept as it was, but open nowhere (macro counts_as_open).
  f.isOpen = f.status !== "resolved" && !f.ruleOff;
  // One lower-cased string per finding, so the text filter is a single indexOf.
  f.haystack = [f.program, programKey(f.program), f.title, f.agency, f.rule, ruleTitle(f.rule), f.message, f.expl,
    f.expl ? explanationTitle(f.expl) : null, f.explReason, f.review, f.reviewNote, f.staleReview]
    .filter(Boolean).join(" \u0001 ").toLowerCase();
});

/* Each program-year with open findings: its triage bucket and its ONE amount at stake (the largest of its
   findings', recon.program_year_triage). Every total of dollars on the page sums these, never the findings'
   own amounts, so a program-year two rules flag counts once. */
var PY_STAKES = dict();
(DATA.programYearStakes ? rowsOf(DATA.programYearStakes) : []).forEach(function (r) {
  PY_STAKES[r.program + "|" + r.fy] = r;
});
/* Explained and unexplained have one meaning everywhere on the page, the triage bucket's (macro is_explained,
   macros.sql; summary.py EXPLAINED_MEANING says it in words): explained - a legitimate cause is known, or the
   SAM.gov actual is not due yet; unexplained - systemic non-reporting and leads. A restatement is neither. */
var EXPLAINED_BUCKETS = { legitimate: true, pending: true };
var UNEXPLAINED_BUCKETS = { non_reporting: true, lead: true };
var EXPLAINED_MEANING = DATA.explainedMeaning;
function isExplained(f) { return !!EXPLAINED_BUCKETS[f.triage]; }
function isUnexplained(f) { return !!UNEXPLAINED_BUCKETS[f.triage]; }

function programYearOf(f) { return PY_STAKES[f.program + "|" + f.fy] || null; }

/* The dollars at stake of the given findings' program-years, each once; `unexplainedOnly`: only those whose
   bucket has no known reason (neither legitimate nor pending). */
function programYearStake(findings, unexplainedOnly) {
  var seen = dict(), stakes = [];
  findings.forEach(function (f) {
    var key = f.program + "|" + f.fy, py = PY_STAKES[key];
    if (!f.isOpen || seen[key] || !py || (unexplainedOnly && EXPLAINED_BUCKETS[py.triage])) { return; }
    seen[key] = true;
    stakes.push(py.stake);
  });
  return sumMoney(stakes);
}

/* An ALN as a key that forgives how it was typed: without its dot (97102 is 97.102), spaces or case, and
   without a "CFDA" or "ALN" in front. */
function programKey(text) { return String(text).toLowerCase().replace(/^\s*(cfda|aln)\b/, "").replace(/[^0-9a-z]/g, ""); }
var PROGRAM_KEYS = dict();
Object.keys(PROGRAMS).forEach(function (number) {
  var key = programKey(number);
  PROGRAM_KEYS[key] = (PROGRAM_KEYS[key] || []).concat([number]);
});

/* The program a typed text names: the ALN as written, else the one program whose key it is (none if two). */
function findProgram(text) {
  var wanted = String(text).trim();
  if (PROGRAMS[wanted]) { return wanted; }
  var hits = PROGRAM_KEYS[programKey(wanted)] || [];
  return hits.length === 1 ? hits[0] : null;
}

function ruleTitle(id) { return RULES[id] ? RULES[id].title : id; }
function explanationTitle(code) { return (code && EXPLANATIONS[code]) || code; }
function agencyOf(number) {
  var p = PROGRAMS[number];
  return p && p.agency !== null && p.agency !== undefined ? AGENCIES[p.agency] : null;
}

/* --- small shared pieces of markup --- */

function badge(kind, value, label) {
  return h("span", { class: "badge " + kind + "-" + String(value).replace(/[^a-z-]/g, "") }, label || value);
}
function severityBadge(sev) { return badge("sev", sev); }
function statusBadge(status) { return badge("st", status, STATUS_LABELS[status] || status); }
/* The finding's status, and beside it that its rule is switched off (kept as it was, not counted). */
function findingStatus(f) {
  return [statusBadge(f.status), f.ruleOff ? [" ", badge("st", "off", "rule switched off")] : null];
}
function reviewBadge(review) { return review ? badge("rv", review, REVIEW_LABELS[review] || review) : null; }
function ruleCode(id) { return h("code", { class: "rule", title: ruleTitle(id) }, id); }
/* A rule in words, as the charts name it, with its id beside it (what spendrecon.yaml and the CLI take). */
function ruleWords(id) { return [h("span", { class: "rule-title" }, ruleTitle(id)), " ", ruleCode(id)]; }
/* An explanation in words, its code beside it. */
function explanationWords(code) {
  return [h("span", { class: "expl" }, explanationTitle(code)), " ",
    h("code", { class: "rule expl-code", title: explanationTitle(code) }, code)];
}

/* A finding's card on its program page (its triage bucket, every explanation, review and history). */
function findingHref(f) { return programHref(f.program) + query({ fy: f.fy, rule: f.rule }); }

function card(value, label, detail, tone) {
  return h("div", { class: "kpi" + (tone ? " kpi-" + tone : "") },
    h("span", { class: "kpi-label" }, label),
    h("b", { class: "kpi-value" }, value),
    detail ? h("span", { class: "kpi-detail" }, detail) : null);
}

function panel(title, subtitle, content, extraClass) {
  return h("section", { class: "panel" + (extraClass ? " " + extraClass : "") },
    h("h3", null, title), subtitle ? h("p", { class: "panel-sub" }, subtitle) : null, content);
}

function select(id, label, options, value, onchange) {
  return h("label", { class: "ctl" }, h("span", null, label),
    h("select", { id: id, onchange: onchange },
      options.map(function (o) { return h("option", { value: o[0], selected: o[0] === value }, o[1]); })));
}
