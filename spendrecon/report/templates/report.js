/* spendrecon report: sort tables by clicking a header; filter the findings table. No network. */
(function () {
  "use strict";

  function cellKey(row, col, numeric) {
    var cell = row.cells[col];
    var raw = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    if (!numeric) { return raw.trim().toLowerCase(); }
    return raw === "" ? null : parseFloat(raw); // ordering only; amounts are never computed here
  }

  function makeSortable(table) {
    var body = table.tBodies[0];
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var type = th.getAttribute("data-type");
        var numeric = type === "num" || type === "rank";
        // Amounts start largest first (the usual question is "what is biggest"); ranks and text ascending.
        var current = th.getAttribute("aria-sort");
        var ascending = current ? current !== "ascending" : type !== "num";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var keyed = Array.prototype.map.call(body.rows, function (row, i) {
          return { row: row, i: i, k: cellKey(row, col, numeric) };
        });
        keyed.sort(function (a, b) {
          if (a.k === b.k) { return a.i - b.i; }
          if (a.k === null) { return 1; }  // no figure: always last
          if (b.k === null) { return -1; }
          var c = a.k < b.k ? -1 : 1;
          return ascending ? c : -c;
        });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (e) { frag.appendChild(e.row); });
        body.appendChild(frag);
      });
    });
  }

  function makeFilterable(table) {
    var q = document.getElementById("f-text");
    var rule = document.getElementById("f-rule");
    var sev = document.getElementById("f-severity");
    var shown = document.getElementById("f-shown");
    if (!q || !rule || !sev) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    function apply() {
      var needle = q.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (r, i) {
        var ok = (!rule.value || r.getAttribute("data-rule") === rule.value) &&
                 (!sev.value || r.getAttribute("data-severity") === sev.value) &&
                 (!needle || texts[i].indexOf(needle) !== -1);
        r.hidden = !ok;
        if (ok) { n += 1; }
      });
      if (shown) { shown.textContent = n + " of " + rows.length + " shown"; }
    }
    q.addEventListener("input", apply);
    rule.addEventListener("change", apply);
    sev.addEventListener("change", apply);
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  var findings = document.getElementById("findings");
  if (findings) { makeFilterable(findings); }
})();
