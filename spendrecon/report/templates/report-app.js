/* Hash routing: #/overview, #/findings?rule=..., #/programs, #/program/97.102, #/changes,
   #/limitations. Works from file:// (no history API, no server). */

var ROUTES = dict({
  overview: { title: "Overview", render: viewOverview },
  findings: { title: "Findings", render: viewFindings },
  nonreporting: { title: "Non-reporting", render: viewNonReporting },
  programs: { title: "Programs", render: viewPrograms },
  program: { title: "Program", nav: "programs", render: viewProgram },
  changes: { title: "Changes", render: viewChanges },
  limitations: { title: "Known limitations", render: null }, // static text already in the page
});

function parseHash(hash) {
  var text = hash.replace(/^#\/?/, "");
  var q = text.indexOf("?");
  var path = q === -1 ? text : text.slice(0, q);
  var params = {};
  if (q !== -1) {
    text.slice(q + 1).split("&").forEach(function (pair) {
      if (!pair) { return; }
      var eq = pair.indexOf("=");
      var key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
      params[key] = eq === -1 ? "" : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, " "));
    });
  }
  var slash = path.indexOf("/");
  return { view: (slash === -1 ? path : path.slice(0, slash)) || "overview",
    arg: slash === -1 ? "" : decodeURIComponent(path.slice(slash + 1)), params: params };
}

function route() {
  var where = parseHash(location.hash);
  var spec = ROUTES[where.view] || ROUTES.overview;
  var view = clear(document.getElementById("view"));
  var limits = document.getElementById("limitations");
  var name = ROUTES[where.view] ? where.view : "overview";
  limits.hidden = name !== "limitations";
  Array.prototype.forEach.call(document.querySelectorAll(".tabs a"), function (a) {
    if (a.getAttribute("data-view") === (spec.nav || name)) { a.setAttribute("aria-current", "page"); }
    else { a.removeAttribute("aria-current"); }
  });
  document.body.setAttribute("data-view", name);
  document.title = (name === "program" ? where.arg : spec.title) + " \u00b7 spendrecon run " + DATA.run.id;
  var target = null;
  if (spec.render) {
    try {
      target = spec.render(view, name === "program" ? where.arg : where.params, where.params);
    } catch (err) {
      append(view, h("div", { class: "note" }, "This view could not be drawn: " + err.message));
      throw err; // and into the console, where a test or a curious analyst will see it
    }
  }
  // A view may hand back the element asked for (a finding's card on its program page): shown, not the top.
  if (target && target.scrollIntoView) { target.scrollIntoView({ block: "center" }); } else { window.scrollTo(0, 0); }
}

function setUpJump() {
  var list = document.getElementById("jump-programs");
  var frag = document.createDocumentFragment();
  Object.keys(PROGRAMS).sort().forEach(function (number) {
    frag.appendChild(h("option", { value: number }, PROGRAMS[number].title || ""));
  });
  list.appendChild(frag);
  document.getElementById("jump").addEventListener("submit", function (event) {
    event.preventDefault();
    var wanted = document.getElementById("jump-input").value.trim();
    if (!wanted) { return; }
    var found = findProgram(wanted);  // 97.102, or 97102 without its dot
    location.hash = found ? programHref(found) : "#/programs" + query({ q: wanted });
  });
}

setUpJump();
window.addEventListener("hashchange", route);
route();
