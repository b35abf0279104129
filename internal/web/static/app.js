// Firebreak console script: local times, live updates, keyboard shortcuts.
// Everything it does is an enhancement; every page works without it.
(function () {
  "use strict";

  // Times: server renders UTC; show the viewer's zone, keep UTC on hover.
  function localize(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) return;
      t.textContent = d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      t.title = t.getAttribute("datetime").replace("T", " ").replace("Z", " UTC");
    });
    // datetime-local inputs holding a stored instant show it in the viewer's zone.
    root.querySelectorAll("input[data-utc]").forEach(function (i) {
      var d = new Date(i.getAttribute("data-utc"));
      if (isNaN(d) || i.value !== i.defaultValue) return;
      var p = function (n) { return (n < 10 ? "0" : "") + n; };
      i.value = i.defaultValue = d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
    });
  }

  // Duty clocks count down in place ("due in 23 h 10 min", then "overdue by
  // 5 min"), as the server words them.
  function countdown(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor(m % 1440 / 60);
    if (d > 0) return d + " d " + h + " h";
    if (h > 0) return h + " h " + (m % 60) + " min";
    return m > 0 ? m + " min" : "under a minute";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (c) {
      var due = Date.parse(c.getAttribute("data-due"));
      if (isNaN(due)) return;
      var late = due <= now, text = (late ? "overdue by " : "due in ") + countdown(due - now);
      if (c.textContent !== text) c.textContent = text;
      c.classList.toggle("late", late);
      var item = c.closest(".duty");
      if (item) item.classList.toggle("late", late);
    });
  }

  // datetime-local inputs are in the viewer's zone: send its offset along,
  // for that very moment (so DST is right), in the hidden field that the
  // input's data-offset names (tz_offset by default).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    // A form that asks (data-confirm) is sent only once confirmed; without
    // script its required box is the confirmation.
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return;
    }
    form.querySelectorAll("input[data-local-time]").forEach(function (input) {
      var off = form.querySelector("input[name=" + (input.getAttribute("data-offset") || "tz_offset") + "]");
      if (!off) return;
      off.value = input.value ? String(new Date(input.value).getTimezoneOffset()) : "";
    });
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    // A form of fields (data-fields) sends only the fields the person
    // changed, each with the value it started from (orig_<name>), so a
    // change someone else made to another field is never written back.
    if (form.hasAttribute("data-fields") && !ev.defaultPrevented) {
      form.querySelectorAll("[data-field]").forEach(function (f) {
        var orig = form.elements["orig_" + f.name];
        if (orig && same(f.value, orig.value)) { f.disabled = true; orig.disabled = true; }
      });
    }
  }, true);
  // Back to a page whose form was sent: its fields work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-fields] [disabled]").forEach(function (f) { f.disabled = false; });
  });
  function same(a, b) {
    var n = function (s) { return s.replace(/\r\n/g, "\n").trim(); };
    return n(a) === n(b);
  }

  // A live update brings each field of a form of fields that nobody is
  // editing (not focused, not changed) to its new value and original; a
  // field being edited keeps its text and its original, so the server can
  // tell whether someone else changed it meanwhile.
  function refreshFields(doc) {
    doc.querySelectorAll("form[data-fields][id]").forEach(function (fresh) {
      var form = document.getElementById(fresh.id);
      if (!form) return;
      fresh.querySelectorAll("[data-field]").forEach(function (ff) {
        var mine = form.elements[ff.name], orig = form.elements["orig_" + ff.name], forig = fresh.elements["orig_" + ff.name];
        if (!mine || !orig || !forig) return;
        if (mine === document.activeElement || mine.value !== mine.defaultValue || same(ff.value, mine.value) && forig.value === orig.value) return;
        mine.defaultValue = ff.value;
        mine.value = ff.value;
        orig.value = orig.defaultValue = forig.value;
      });
    });
  }

  // A region the viewer is working in is never replaced under them.
  function busy(el) {
    if (el.contains(document.activeElement) && document.activeElement !== document.body) return true;
    var fields = el.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden") continue;
      if ((f.type === "checkbox" || f.type === "radio") ? f.checked !== f.defaultChecked : (f.tagName === "SELECT" ? false : f.value !== f.defaultValue)) return true;
    }
    var details = el.querySelectorAll("details[open]");
    return details.length > 0;
  }

  var refreshing = false, again = false;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(location.href, { headers: { "X-Firebreak-Live": "1" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        doc.querySelectorAll("[data-live-region][id]").forEach(function (fresh) {
          var old = document.getElementById(fresh.id);
          if (!old || busy(old)) return;
          if (old.innerHTML === fresh.innerHTML) return;
          localize(fresh);
          old.replaceWith(document.importNode(fresh, true));
        });
        refreshFields(doc);
        // Forms the viewer is not using get the new version, so their next
        // submit is not taken for a stale edit.
        var v = doc.querySelector("input[name=version]");
        if (v) document.querySelectorAll("form").forEach(function (f) {
          var mine = f.querySelector("input[name=version]");
          if (mine && !busy(f)) mine.value = v.value;
        });
      })
      .catch(function () {})
      .finally(function () { refreshing = false; if (again) { again = false; refresh(); } });
  }

  function live() {
    var what = document.body.getAttribute("data-live");
    if (!what || !window.EventSource) return;
    var banner = document.getElementById("conn");
    var ref = what.indexOf("incident:") === 0 ? what.slice(9) : "";
    var es, lost = false;
    function connect() {
      es = new EventSource("/events");
      es.addEventListener("hello", function () {
        if (lost) refresh(); // catch up on what happened while away
        lost = false; banner.hidden = true;
      });
      es.addEventListener("change", function (m) {
        var c = JSON.parse(m.data);
        if (!ref || c.ref === ref) refresh();
      });
      es.addEventListener("resync", refresh);
      es.onerror = function () {
        lost = true; banner.hidden = false;
        if (es.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
      };
    }
    connect();
  }

  // Keyboard: n declare, / search, g i incidents, e entry, ? help.
  var pendingG = false;
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || /INPUT|TEXTAREA|SELECT/.test(t.tagName) || t.isContentEditable) return;
    if (pendingG) { pendingG = false; if (e.key === "i") { location.href = "/incidents"; } return; }
    switch (e.key) {
      case "n": if (document.querySelector("a[href='/incidents/new']")) location.href = "/incidents/new"; break;
      case "/": var q = document.getElementById("q"); if (q) { e.preventDefault(); q.focus(); } else location.href = "/incidents#q"; break;
      case "e":
        var b = document.getElementById("entry-body"), tl = document.querySelector('.tabs a[data-section="timeline"]');
        if (b) { e.preventDefault(); b.focus(); } else if (tl) location.href = tl.href + "#entry-form"; // the form is on the Timeline
        break;
      case "g": pendingG = true; break;
      case "?": var d = document.getElementById("keys"); if (d && d.showModal) d.showModal(); break;
    }
  });

  // A flash message is for this visit only: keep it out of reloads and links.
  if (location.search.indexOf("flash=") >= 0 && window.history.replaceState) {
    var u = new URL(location.href);
    u.searchParams.delete("flash");
    history.replaceState(null, "", u.pathname + u.search + u.hash);
  }

  document.querySelectorAll("input[data-select]").forEach(function (i) { i.addEventListener("focus", function () { i.select(); }); });
  localize(document);
  live();
  tick();
  setInterval(tick, 1000);
})();
