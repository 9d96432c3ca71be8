// infrai-mcp dashboard: plain JavaScript, no build step, no library.
//
// The server renders every page as HTML. This script only:
//  - loads pages with fetch() and swaps <main>, so links, filters and the live refresh work
//    without full reloads, and so the API key (server mode) travels as an Authorization
//    header that a plain navigation could not carry;
//  - sends actions (pause, trigger, redrive...) as POST with the page's X-CSRF-Token;
//  - shows times in the viewer's zone (the markup holds UTC, kept as the hover title).
(function () {
  "use strict";
  var KEY = "infrai-api-key";
  var refreshTimer = null;
  var busy = false;
  // Every load and action takes a new generation; a response of an older generation is
  // dropped, so a refresh that started before an action can never paint the old state.
  var gen = 0;

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }
  function base() { return meta("infrai-base"); }
  function storedKey() {
    try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }
  function headers(extra) {
    var h = { "X-Requested-With": "infrai-ui" };
    var key = storedKey();
    if (key) { h.Authorization = "Bearer " + key; }
    var csrf = meta("infrai-csrf");
    if (csrf) { h["X-CSRF-Token"] = csrf; }
    for (var k in extra || {}) { h[k] = extra[k]; }
    return h;
  }

  // -- times in the viewer's zone --------------------------------------------------------
  var fmt = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", timeZoneName: "short"
  });
  var hourFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  function relative(ms) {
    var s = Math.round(ms / 1000), a = Math.abs(s), txt;
    if (a < 60) { txt = a + " s"; }
    else if (a < 3600) { txt = Math.round(a / 60) + " min"; }
    else if (a < 172800) { txt = Math.round(a / 360) / 10 + " h"; }
    else { txt = Math.round(a / 86400) + " d"; }
    return s >= 0 ? "in " + txt : txt + " ago";
  }
  function localize(root) {
    var now = Date.now();
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) { return; }
      el.textContent = fmt.format(d);
      el.setAttribute("data-rel", relative(d.getTime() - now));
    });
    root.querySelectorAll("[data-hour]").forEach(function (el) {
      var d = new Date(el.getAttribute("data-hour"));
      if (!isNaN(d)) { el.textContent = hourFmt.format(d); }
    });
    var tz = document.getElementById("tzname");
    if (tz) { tz.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || "local"; }
  }

  // -- notices ---------------------------------------------------------------------------
  function notice(text, kind) {
    var el = document.getElementById("notice");
    if (!el) { return; }
    el.textContent = text;
    el.className = kind || "ok";
    el.hidden = false;
    clearTimeout(notice.t);
    notice.t = setTimeout(function () { el.hidden = true; }, 6000);
  }

  // -- page loads without full reloads ---------------------------------------------------
  function openDetails() {
    var ids = [];
    document.querySelectorAll("#main details[open][id]").forEach(function (d) { ids.push(d.id); });
    return ids;
  }
  function swap(html, url, push, keepScroll) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.getElementById("main");
    if (!main) { return false; }
    var open = openDetails(), y = window.scrollY;
    var focused = document.activeElement && document.activeElement.id;
    var caret = focused && document.activeElement.selectionStart;
    document.getElementById("main").replaceWith(main);
    ["nav"].forEach(function (id) {
      var fresh = doc.getElementById(id), old = document.getElementById(id);
      if (fresh && old) { old.replaceWith(fresh); }
    });
    ["infrai-csrf"].forEach(function (name) {
      var fresh = doc.querySelector('meta[name="' + name + '"]'), old = document.querySelector('meta[name="' + name + '"]');
      if (fresh && old) { old.setAttribute("content", fresh.getAttribute("content")); }
    });
    document.title = doc.title;
    if (push) { history.pushState({}, "", url); }
    if (keepScroll) {
      open.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
      window.scrollTo(0, y);
      if (focused) {
        var el = document.getElementById(focused);
        if (el) { el.focus(); try { el.setSelectionRange(caret, caret); } catch (e) { /* not a text box */ } }
      }
    } else {
      window.scrollTo(0, 0);
    }
    enhance(document.getElementById("main"));
    var up = document.getElementById("updated");
    if (up) { up.textContent = "updated " + new Date().toLocaleTimeString(); }
    document.body.setAttribute("data-loads", String(Number(document.body.getAttribute("data-loads") || 0) + 1));
    return true;
  }
  function load(url, opts) {
    opts = opts || {};
    busy = true;
    var mine = ++gen;
    return fetch(url, { headers: headers(), cache: "no-store", credentials: "omit" })
      .then(function (resp) {
        return resp.text().then(function (html) {
          if (mine !== gen) { return; }
          if (resp.status === 401 && opts.login) {
            var err = document.getElementById("login-error");
            if (err) { err.textContent = "That key was not accepted."; err.hidden = false; }
            try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
            return;
          }
          if (!swap(html, url, !!opts.push, !!opts.quiet)) { window.location.assign(url); }
        });
      })
      .catch(function () { if (!opts.quiet) { notice("The server did not answer; is infrai-mcp still running?", "error"); } })
      .then(function () { if (mine === gen) { busy = false; } });
  }

  // -- enhancements of freshly rendered content ------------------------------------------
  function applyFilter(input) {
    var table = document.querySelector(input.getAttribute("data-filter"));
    if (!table) { return; }
    var q = input.value.trim().toLowerCase();
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0;
    });
  }
  function enhance(root) {
    localize(root);
    root.querySelectorAll("input[data-filter]").forEach(applyFilter);
    var login = root.querySelector("[data-login]");
    if (login) { var box = document.getElementById("api-key"); if (box) { box.focus(); } }
  }

  function sameApp(a) {
    if (!a.href || a.target || a.hasAttribute("download")) { return false; }
    var u = new URL(a.href, location.href);
    return u.origin === location.origin && u.pathname.indexOf(base() + "/") === 0 &&
      u.pathname.indexOf(base() + "/static/") !== 0;
  }

  document.addEventListener("click", function (ev) {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) { return; }
    var a = ev.target.closest && ev.target.closest("a[href]");
    if (a && sameApp(a)) { ev.preventDefault(); load(a.href, { push: true }); return; }
    if (ev.target.id === "refresh-toggle") { toggleRefresh(); }
    if (ev.target.id === "signout") {
      try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
      load(location.href, {});
    }
  });

  document.addEventListener("input", function (ev) {
    if (ev.target.matches && ev.target.matches("input[data-filter]")) {
      applyFilter(ev.target);
      // Keep the text in the address, so refreshes (and reloads) render it back.
      var u = new URL(location.href);
      if (ev.target.value) { u.searchParams.set(ev.target.name, ev.target.value); } else { u.searchParams.delete(ev.target.name); }
      history.replaceState(history.state, "", u.toString());
    }
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.id === "login-form") {
      ev.preventDefault();
      var key = form.querySelector("#api-key").value.trim();
      try { sessionStorage.setItem(KEY, key); } catch (e) { /* private mode */ }
      load(location.href, { login: true });
      return;
    }
    if (form.hasAttribute("data-get")) {
      ev.preventDefault();
      var u = new URL(form.getAttribute("action"), location.href);
      new FormData(form).forEach(function (v, k) { if (v !== "") { u.searchParams.set(k, v); } });
      load(u.toString(), { push: true });
      return;
    }
    if (form.classList.contains("action")) {
      ev.preventDefault();
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) { return; }
      var body = {};
      new FormData(form).forEach(function (v, k) { body[k] = v; });
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      gen++;  // drop any refresh in flight: it may predate the action
      busy = true;
      fetch(form.getAttribute("action"), {
        method: "POST", cache: "no-store", credentials: "omit",
        headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(body)
      }).then(function (resp) {
        return resp.json().catch(function () { return { ok: false, error: { message: "HTTP " + resp.status } }; });
      }).then(function (res) {
        if (res.ok) {
          notice(res.message, "ok");
          var target = new URL(res.location, location.href).toString();
          return load(target, { push: target !== location.href });
        }
        busy = false;
        notice((res.error && res.error.message) || "The action failed.", "error");
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      }).catch(function () {
        busy = false;
        notice("The server did not answer.", "error");
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      });
    }
  });

  window.addEventListener("popstate", function () { load(location.href, {}); });

  // -- live refresh ----------------------------------------------------------------------
  function refreshOn() { try { return sessionStorage.getItem("infrai-live") !== "off"; } catch (e) { return true; } }
  function paintToggle() {
    var b = document.getElementById("refresh-toggle");
    if (b) { b.textContent = refreshOn() ? "Live ●" : "Paused ○"; b.setAttribute("aria-pressed", String(refreshOn())); }
  }
  function toggleRefresh() {
    try { sessionStorage.setItem("infrai-live", refreshOn() ? "off" : "on"); } catch (e) { /* private mode */ }
    paintToggle();
  }
  function dirty() {
    // A form field the user has changed but not submitted: a refresh would discard it.
    var els = document.querySelectorAll("#main input, #main select, #main textarea");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.type === "hidden" || el.hasAttribute("data-filter")) { continue; }
      if (el.tagName === "SELECT") {
        var def = 0;
        for (var j = 0; j < el.options.length; j++) { if (el.options[j].defaultSelected) { def = j; } }
        if (el.selectedIndex !== def) { return true; }
      } else if (el.value !== el.defaultValue) { return true; }
    }
    return false;
  }
  function tick() {
    // Skip while hidden, mid-load, on the key form, while the user edits a field, or while
    // a confirm is pending (confirm() blocks this timer anyway).
    if (!refreshOn() || busy || document.hidden || document.querySelector("#main [data-login]") || dirty()) { return; }
    load(location.href, { quiet: true });
  }

  function start() {
    enhance(document);
    paintToggle();
    var secs = Number(meta("infrai-refresh")) || 10;
    refreshTimer = setInterval(tick, secs * 1000);
    // Server mode, first visit answered 401: if this tab already holds a key, use it.
    if (document.querySelector("#main [data-login]") && storedKey()) { load(location.href, { login: true }); }
    document.body.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
