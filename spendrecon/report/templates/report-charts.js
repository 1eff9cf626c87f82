/* Hand-drawn SVG charts: horizontal stacked bars, grouped and stacked columns, lines.
   Each chart has a fixed viewBox and scales with its panel (and on paper). Every bar or point
   carries a <title>, which browsers show as a tooltip and screen readers read out. Colours come
   from CSS classes (c-*), so the legend swatches and the marks always match. */

var CHAR_PX = 6.6; // average width of a 12px system-ui character, to shorten long labels

function fit(label, px) {
  var max = Math.floor(px / CHAR_PX);
  return label.length > max ? label.slice(0, Math.max(1, max - 1)) + "\u2026" : label;
}

/* Up to two lines that fit px; the second is shortened if it still does not fit. */
function wrapLabel(label, px) {
  var max = Math.floor(px / CHAR_PX);
  if (label.length <= max) { return [label]; }
  var words = label.split(" ");
  var first = "";
  while (words.length && (first ? first.length + 1 : 0) + words[0].length <= max) {
    first += (first ? " " : "") + words.shift();
  }
  if (!first) { return [fit(label, px)]; }
  return [first, fit(words.join(" "), px)];
}

function niceScale(min, max, target, integer) {
  min = Math.min(0, min);
  max = Math.max(0, max);
  if (min === max) { max = integer ? 1 : 1; }
  var raw = (max - min) / (target || 5);
  var mag = Math.pow(10, Math.floor(Math.log10(raw)));
  var norm = raw / mag;
  var step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  if (integer) { step = Math.max(1, Math.ceil(step)); }
  var lo = Math.floor(min / step) * step;
  var hi = Math.ceil(max / step) * step;
  var ticks = [];
  for (var v = lo; v <= hi + step / 2; v += step) { ticks.push(Math.round(v / step) * step); }
  return { lo: lo, hi: hi, ticks: ticks };
}

function legend(items) {
  return h("div", { class: "legend" }, items.map(function (item) {
    return h("span", { class: "key" }, h("i", { class: "sw " + item.cls + (item.dashed ? " dashed" : "") }),
      item.label);
  }));
}

function chartRoot(width, height, label, kind) {
  // Shrinks with its panel but never grows past its drawn size, so labels stay at reading size.
  return svgNode("svg", { class: "chart", viewBox: "0 0 " + width + " " + height, width: width, height: height,
    style: "max-width:" + width + "px", role: "img", "aria-label": label, "data-chart": kind,
    preserveAspectRatio: "xMinYMin meet" },
    svgNode("title", null, label));
}

function toNumber(v) { return v === null || v === undefined ? null : typeof v === "number" ? v : parseFloat(v); }

/* Horizontal stacked bars, one row per category.
   spec: {label, rows: [{label, href, segments: [{value, cls, tip}], note}], width, labelWidth, noteWidth, format} */
function hbars(spec) {
  var width = spec.width || 600, labelW = spec.labelWidth || 200, noteW = spec.noteWidth || 120;
  var labels = spec.rows.map(function (r) { return wrapLabel(r.label, labelW - 12); });
  var twoLines = labels.some(function (l) { return l.length > 1; });
  var barH = 18, gap = twoLines ? 18 : 10, top = 22, bottom = 6;
  var height = top + spec.rows.length * (barH + gap) - gap + bottom;
  var x0 = labelW, x1 = width - noteW;
  var max = 0;
  spec.rows.forEach(function (r) {
    max = Math.max(max, r.segments.reduce(function (t, seg) { return t + Math.max(0, seg.value); }, 0));
  });
  var scale = niceScale(0, max, 4, spec.integer);
  var x = function (v) { return x0 + (x1 - x0) * v / scale.hi; };
  var root = chartRoot(width, height, spec.label, "hbars");
  var grid = svgNode("g", { class: "grid" });
  scale.ticks.forEach(function (t) {
    grid.appendChild(svgNode("line", { x1: x(t), x2: x(t), y1: top - 4, y2: height - bottom }));
    grid.appendChild(svgNode("text", { x: x(t), y: 12, "text-anchor": "middle", class: "tick" }, spec.format(t)));
  });
  root.appendChild(grid);
  spec.rows.forEach(function (r, i) {
    var y = top + i * (barH + gap);
    var g = svgNode("g", { class: "row" + (r.strong ? " strong" : ""), "data-label": r.label });
    var lines_ = labels[i];
    var text = svgNode("text", { x: x0 - 8, y: y + barH / 2 - (lines_.length - 1) * 7, dy: "0.35em",
      "text-anchor": "end", class: "label" }, svgNode("title", null, r.label),
    lines_.map(function (line, n) { return svgNode("tspan", { x: x0 - 8, dy: n ? "1.2em" : null }, line); }));
    g.appendChild(r.href ? svgNode("a", { href: r.href }, text) : text);
    var at = 0;
    r.segments.forEach(function (seg) {
      if (!(seg.value > 0)) { return; } // nothing to draw; the tooltip of the row's note says so
      g.appendChild(svgNode("rect", { class: "bar " + seg.cls, x: x(at), y: y, height: barH,
        width: Math.max(1, x(at + seg.value) - x(at)) }, svgNode("title", null, seg.tip)));
      at += seg.value;
    });
    g.appendChild(svgNode("text", { x: x(at) + 6, y: y + barH / 2, dy: "0.35em", class: "note" }, r.note));
    root.appendChild(g);
  });
  return root;
}

function yAxis(root, scale, y, left, right, format) {
  var grid = svgNode("g", { class: "grid" });
  scale.ticks.forEach(function (t) {
    grid.appendChild(svgNode("line", { x1: left, x2: right, y1: y(t), y2: y(t), class: t === 0 ? "zero" : null }));
    grid.appendChild(svgNode("text", { x: left - 6, y: y(t), dy: "0.35em", "text-anchor": "end", class: "tick" },
      format(t)));
  });
  root.appendChild(grid);
}

function xLabels(root, labels, cx, y) {
  var g = svgNode("g", { class: "xaxis" });
  labels.forEach(function (label, i) {
    g.appendChild(svgNode("text", { x: cx(i), y: y, "text-anchor": "middle", class: "tick" }, label));
  });
  root.appendChild(g);
}

/* Grouped columns: for each group (a fiscal year) one column per series; null is "no figure".
   spec: {label, groups: [{label, values: [v|null, ...]}], series: [{label, cls}], tip(group, series, v), format} */
function columns(spec) {
  var width = spec.width || 600, height = spec.height || 260;
  var left = 64, right = 10, top = 12, bottom = 26;
  var all = [];
  spec.groups.forEach(function (g) { g.values.forEach(function (v) { if (v !== null) { all.push(toNumber(v)); } }); });
  var scale = niceScale(Math.min.apply(null, all.concat([0])), Math.max.apply(null, all.concat([0])), 5);
  var y = function (v) { return top + (height - top - bottom) * (scale.hi - v) / (scale.hi - scale.lo); };
  var root = chartRoot(width, height, spec.label, "columns");
  yAxis(root, scale, y, left, width - right, spec.format);
  var groupW = (width - left - right) / Math.max(1, spec.groups.length);
  var barW = Math.min(34, groupW * 0.78 / spec.series.length);
  var cx = function (i) { return left + groupW * (i + 0.5); };
  spec.groups.forEach(function (g, i) {
    var start = cx(i) - barW * spec.series.length / 2;
    g.values.forEach(function (v, j) {
      var series = spec.series[j];
      var bx = start + j * barW + 1;
      var tip = spec.tip(g, series, v);
      if (v === null) {
        root.appendChild(svgNode("text", { x: bx + (barW - 2) / 2, y: y(0) - 4, "text-anchor": "middle", class: "na" },
          svgNode("title", null, tip), DASH));
        return;
      }
      var n = toNumber(v);
      var top_ = Math.min(y(n), y(0));
      var h_ = Math.abs(y(n) - y(0));
      // A zero is a figure, not a gap: a hairline keeps it visible (and hoverable).
      root.appendChild(svgNode("rect", { class: "bar " + series.cls + (n === 0 ? " zero" : ""), x: bx,
        y: n === 0 ? y(0) - 1.5 : top_, width: barW - 2, height: n === 0 ? 1.5 : Math.max(1, h_) },
        svgNode("title", null, tip)));
    });
  });
  xLabels(root, spec.groups.map(function (g) { return g.label; }), cx, height - 8);
  return root;
}

/* Stacked columns. spec: {label, groups: [{label, segments: [{value, cls, tip}], href, note}], format (axis; counts
   by default)} */
function stackedColumns(spec) {
  var width = spec.width || 600, height = spec.height || 240;
  var left = spec.format ? 64 : 48, right = 10, top = 18, bottom = 26;
  var max = 0;
  spec.groups.forEach(function (g) {
    max = Math.max(max, g.segments.reduce(function (t, seg) { return t + seg.value; }, 0));
  });
  var format = spec.format || count;
  var scale = niceScale(0, max, 5, !spec.format);
  var y = function (v) { return top + (height - top - bottom) * (scale.hi - v) / scale.hi; };
  var root = chartRoot(width, height, spec.label, "stacked");
  yAxis(root, scale, y, left, width - right, format);
  var groupW = (width - left - right) / Math.max(1, spec.groups.length);
  var barW = Math.min(56, groupW * 0.6);
  var cx = function (i) { return left + groupW * (i + 0.5); };
  spec.groups.forEach(function (g, i) {
    var at = 0;
    var parent = g.href ? svgNode("a", { href: g.href }) : root;
    g.segments.forEach(function (seg) {
      if (!(seg.value > 0)) { return; }
      parent.appendChild(svgNode("rect", { class: "bar " + seg.cls, x: cx(i) - barW / 2, y: y(at + seg.value),
        width: barW, height: y(at) - y(at + seg.value) }, svgNode("title", null, seg.tip)));
      at += seg.value;
    });
    parent.appendChild(svgNode("text", { x: cx(i), y: y(at) - 5, "text-anchor": "middle", class: "note" },
      g.note !== undefined ? g.note : format(at)));
    if (parent !== root) { root.appendChild(parent); }
  });
  xLabels(root, spec.groups.map(function (g) { return g.label; }), cx, height - 8);
  return root;
}

/* Lines with a point per value; a null breaks the line (no figure is not zero).
   spec: {label, xLabels: [...], series: [{label, cls, values: [v|null], dashed}], tip(x, series, v), format} */
function lines(spec) {
  var width = spec.width || 600, height = spec.height || 240;
  var left = 64, right = 16, top = 14, bottom = 26;
  var all = [];
  spec.series.forEach(function (se) { se.values.forEach(function (v) { if (v !== null) { all.push(toNumber(v)); } }); });
  var scale = niceScale(Math.min.apply(null, all.concat([0])), Math.max.apply(null, all.concat([0])), 5);
  var y = function (v) { return top + (height - top - bottom) * (scale.hi - v) / (scale.hi - scale.lo); };
  var step = (width - left - right) / Math.max(1, spec.xLabels.length);
  var cx = function (i) { return left + step * (i + 0.5); };
  var root = chartRoot(width, height, spec.label, "lines");
  yAxis(root, scale, y, left, width - right, spec.format);
  spec.series.forEach(function (se) {
    var d = "";
    var pen = false;
    se.values.forEach(function (v, i) {
      if (v === null) { pen = false; return; }
      d += (pen ? "L" : "M") + cx(i).toFixed(1) + " " + y(toNumber(v)).toFixed(1);
      pen = true;
    });
    if (d) { root.appendChild(svgNode("path", { d: d, class: "line " + se.cls + (se.dashed ? " dashed" : "") })); }
  });
  spec.series.forEach(function (se) {
    se.values.forEach(function (v, i) {
      if (v === null) { return; }
      root.appendChild(svgNode("circle", { cx: cx(i), cy: y(toNumber(v)), r: 4, class: "pt " + se.cls },
        svgNode("title", null, spec.tip(spec.xLabels[i], se, v))));
    });
  });
  xLabels(root, spec.xLabels, cx, height - 8);
  return root;
}

/* One 100% bar of parts side by side: [{value, cls, tip}], each with its tooltip. */
function shareBar(parts, label) {
  var total = parts.reduce(function (t, p) { return t + Math.max(0, p.value); }, 0);
  var width = 1000, height = 30;
  var root = chartRoot(width, height, label, "share");
  root.removeAttribute("style"); // no text to keep legible: the bar spans its panel
  if (!(total > 0)) {
    root.appendChild(svgNode("rect", { class: "bar c-none", x: 0, y: 4, width: width, height: 22 }));
    return root;
  }
  var at = 0;
  parts.forEach(function (p) {
    if (!(p.value > 0)) { return; }
    var w = width * p.value / total;
    root.appendChild(svgNode("rect", { class: "bar " + p.cls, x: at, y: 4, width: w, height: 22 },
      svgNode("title", null, p.tip)));
    at += w;
  });
  return root;
}
