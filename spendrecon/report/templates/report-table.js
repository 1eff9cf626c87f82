/* One table component for every list in the report: click a header to sort (again to reverse),
   long lists come a page at a time. Sorting uses each column's value(), never the formatted text. */

/* columns: [{key, label, type: "text" | "money" | "num" | "rank", value(row), cell(row), cls, title}]
   opts: {id, pageSize, sort: {key, desc}, empty, caption} */
function dataTable(columns, rows, opts) {
  opts = opts || {};
  var pageSize = opts.pageSize || 250;
  var state = { rows: rows.slice(), shown: pageSize, sort: opts.sort || null };
  var tbody = h("tbody");
  var heads = columns.map(function (col) {
    var numeric = col.type === "money" || col.type === "num";
    return h("th", { scope: "col", class: numeric ? "num" : null, "data-key": col.key, title: col.title || null },
      h("button", { type: "button", onclick: function () { sortBy(col); } }, col.label));
  });
  var more = h("div", { class: "more" });
  var table = h("table", { class: "data", id: opts.id || null },
    opts.caption ? h("caption", null, opts.caption) : null, h("thead", null, h("tr", null, heads)), tbody);
  var el = h("div", { class: "table-block" }, h("div", { class: "scroll" }, table), more);

  function keyOf(col, row) {
    var v = col.value ? col.value(row) : row[col.key];
    if (v === null || v === undefined || v === "") { return null; }
    if (col.type === "money") { return parseFloat(v); } // ordering only
    return typeof v === "string" ? v.toLowerCase() : v;
  }

  function sortBy(col) {
    var desc = state.sort && state.sort.key === col.key ? !state.sort.desc
      : col.type === "money" || col.type === "num"; // amounts: largest first, the usual question
    state.sort = { key: col.key, desc: desc };
    applySort();
    render();
  }

  function applySort() {
    if (!state.sort) { return; }
    var col = columns.filter(function (c) { return c.key === state.sort.key; })[0];
    if (!col) { return; }
    var keyed = state.rows.map(function (row, i) { return { row: row, i: i, k: keyOf(col, row) }; });
    keyed.sort(function (a, b) {
      if (a.k === b.k) { return a.i - b.i; }
      if (a.k === null) { return 1; } // no figure: always last
      if (b.k === null) { return -1; }
      var c = a.k < b.k ? -1 : 1;
      return state.sort.desc ? -c : c;
    });
    state.rows = keyed.map(function (e) { return e.row; });
  }

  function cell(col, row) {
    var raw = col.value ? col.value(row) : row[col.key];
    var numeric = col.type === "money" || col.type === "num";
    var content = col.cell ? col.cell(row) : col.type === "money" ? money(raw) : col.type === "num" ? count(raw) : raw;
    return h("td", { class: [numeric ? "num" : null, col.cls || null].filter(Boolean).join(" ") || null,
      "data-v": numeric ? (raw === null || raw === undefined ? "" : String(raw)) : null },
      content === null || content === undefined || content === "" ? DASH : content);
  }

  function render() {
    heads.forEach(function (th, i) {
      var active = state.sort && state.sort.key === columns[i].key;
      if (active) { th.setAttribute("aria-sort", state.sort.desc ? "descending" : "ascending"); }
      else { th.removeAttribute("aria-sort"); }
    });
    clear(tbody);
    var frag = document.createDocumentFragment();
    state.rows.slice(0, state.shown).forEach(function (row) {
      frag.appendChild(h("tr", opts.rowAttrs ? opts.rowAttrs(row) : null,
        columns.map(function (col) { return cell(col, row); })));
    });
    if (!state.rows.length) {
      frag.appendChild(h("tr", { class: "empty" }, h("td", { colspan: columns.length }, opts.empty || "Nothing to show.")));
    }
    tbody.appendChild(frag);
    clear(more);
    var left = state.rows.length - state.shown;
    if (left > 0) {
      more.appendChild(h("span", { class: "muted" }, "Showing " + count(state.shown) + " of " + count(state.rows.length) + ". "));
      more.appendChild(h("button", { type: "button", class: "link", onclick: function () {
        state.shown += pageSize; render(); } }, "Show " + count(Math.min(pageSize, left)) + " more"));
      more.appendChild(h("button", { type: "button", class: "link", onclick: function () {
        state.shown = state.rows.length; render(); } }, "Show all"));
    }
  }

  applySort();
  render();
  return {
    el: el,
    update: function (newRows) { state.rows = newRows.slice(); state.shown = pageSize; applySort(); render(); },
  };
}

/* Shared column definitions. */
/* The program's number (a link to its page), with its title and, optionally, its agency below. */
function programColumn(withTitle, withAgency) {
  return { key: "program", label: "Program", type: "text", cls: "name",
    cell: function (r) {
      return [h("a", { href: programHref(r.program), class: "aln" }, r.program),
        withTitle && r.title ? h("span", { class: "sub title" }, r.title) : null,
        withAgency && r.agency ? h("span", { class: "sub" }, r.agency) : null];
    } };
}

/* One figure (a source's amount, a finding's difference or dollars at stake): exact. */
function moneyColumn(key, label, title) { return { key: key, label: label, type: "money", title: title || null }; }
/* A sum over many program-years: rounded ($86.47B), its exact figure as tooltip; sorts by the exact figure. */
function totalColumn(key, label, title) {
  return { key: key, label: label, type: "money", title: title || null,
    cell: function (r) { return moneySummary(r[key]); } };
}
