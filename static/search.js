/* sitegen search bootstrap: loaded on every page, so it stays tiny.
 *
 * It wires "/" to the header search box and loads the search engine (lunr.js, search-ui.js and
 * the index's small search/index.js, as <script> tags so file:// works) only on the search page
 * or once the header box gets focus: a plain page view never downloads the index. Queries then
 * load the term shards and store chunks they need, through shard() and store().
 */
(function () {
  "use strict";

  var root = document.documentElement.getAttribute("data-root") || "";
  var waiting = Object.create(null); // script key -> {promise, resolve, reject}
  var received = Object.create(null); // script key -> payload
  var engine = null;

  function expect(key) {
    if (!waiting[key]) {
      var entry = {};
      entry.promise = new Promise(function (resolve, reject) {
        entry.resolve = resolve;
        entry.reject = reject;
      });
      waiting[key] = entry;
      if (key in received) entry.resolve(received[key]);
    }
    return waiting[key];
  }

  // Inserted scripts run in insertion order (async = false), so lunr.js is there before the UI.
  function addScript(src, key) {
    var script = document.createElement("script");
    script.src = src;
    script.async = false;
    script.onerror = function () {
      expect(key).reject(new Error("could not load " + src));
    };
    document.head.appendChild(script);
  }

  var SitegenSearch = {
    root: root,
    timings: { start: performance.now() },

    /* Called by every generated data script: receive(kind, [chunk,] payload). */
    receive: function (kind, chunk, payload) {
      var key = payload === undefined ? kind : kind + "-" + chunk;
      var data = payload === undefined ? chunk : payload;
      received[key] = data;
      if (waiting[key]) waiting[key].resolve(data);
    },

    /* Resolves with the engine (search-ui.js's SitegenSearch.ui) once the index is loaded. */
    load: function () {
      if (engine) return engine;
      SitegenSearch.timings.loadStart = performance.now();
      addScript(root + "static/vendor/lunr/lunr.min.js", "index");
      addScript(root + "static/search-ui.js", "index");
      addScript(root + "search/index.js", "index");
      engine = expect("index").promise.then(function (payload) {
        SitegenSearch.timings.scripts = performance.now();
        return SitegenSearch.ui.start(payload);
      });
      return engine;
    },

    /* Resolves with term shard k of the index (loaded on first use). */
    shard: function (k, version) {
      return part("terms", k, version);
    },

    /* Resolves with store chunk k (loaded on first use). */
    store: function (k, version) {
      return part("store", k, version);
    }
  };

  function part(kind, k, version) {
    var key = kind + "-" + k;
    if (!waiting[key] && !(key in received)) {
      addScript(root + "search/" + key + ".js?v=" + encodeURIComponent(version), key);
    }
    return expect(key).promise;
  }
  window.SitegenSearch = SitegenSearch;

  function headerBox() {
    return document.getElementById("site-search-q");
  }

  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var box = document.getElementById("search-q") || headerBox();
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  function boot() {
    var page = document.getElementById("search-page");
    var box = headerBox();
    if (page) {
      page.setAttribute("data-state", "loading");
      SitegenSearch.load().then(function (ui) { ui.attachPage(page, box); }, function (error) {
        page.setAttribute("data-state", "failed");
        var status = document.getElementById("search-status");
        if (status) status.textContent = "The search index could not be loaded (" + error.message + ").";
      });
    } else if (box) {
      box.addEventListener("focus", function () {
        SitegenSearch.load().then(function (ui) { ui.attachHeader(box); }, function () {
          box.setAttribute("data-search", "unavailable");
        });
      }, { once: true });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
