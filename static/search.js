/* sitegen search bootstrap: loaded on every page, so it stays tiny.
 *
 * It wires "/" to the header search box and loads the search engine (the scripts <html>'s
 * data-search-scripts lists, then the index's small data-search-index, as <script> tags so
 * file:// works) only on the search page or once the header box gets focus: a plain page view
 * never downloads the index. Queries then load the term shards and store chunks they need,
 * through shard() and store(). The engine's scripts add their parts to window.SitegenSearch:
 * decode, Engine and ui.
 */
(() => {
  "use strict";

  const html = document.documentElement;
  const root = html.getAttribute("data-root") || "";
  const waiting = Object.create(null); // script key -> {promise, resolve, reject}
  const received = Object.create(null); // script key -> payload
  let engine = null;

  const expect = (key) => {
    if (!waiting[key]) {
      const entry = {};
      entry.promise = new Promise((resolve, reject) => {
        entry.resolve = resolve;
        entry.reject = reject;
      });
      waiting[key] = entry;
      if (key in received) entry.resolve(received[key]);
    }
    return waiting[key];
  };

  // Inserted scripts run in insertion order (async = false), so lunr.js is there before the engine.
  const addScript = (src, key) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = false;
    script.onerror = () => expect(key).reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  };

  const part = (kind, k, version) => {
    const key = `${kind}-${k}`;
    if (!waiting[key] && !(key in received)) {
      addScript(`${root}search/${key}.js?v=${encodeURIComponent(version)}`, key);
    }
    return expect(key).promise;
  };

  const whole = (kind, version) => {
    if (!waiting[kind] && !(kind in received)) {
      addScript(`${root}search/${kind}.js?v=${encodeURIComponent(version)}`, kind);
    }
    return expect(kind).promise;
  };

  const SitegenSearch = {
    root,

    /* Called by every generated data script: receive(kind, [chunk,] payload). */
    receive(kind, chunk, payload) {
      const key = payload === undefined ? kind : `${kind}-${chunk}`;
      const data = payload === undefined ? chunk : payload;
      received[key] = data;
      if (waiting[key]) waiting[key].resolve(data);
    },

    /* Resolves with the engine (search/engine.js's Engine) once the index is loaded. */
    load() {
      if (engine) return engine;
      const scripts = (html.getAttribute("data-search-scripts") || "").split(/\s+/).filter(Boolean);
      for (const src of [...scripts, html.getAttribute("data-search-index")]) addScript(src, "index");
      engine = expect("index").promise.then((payload) => new SitegenSearch.Engine(payload));
      return engine;
    },

    /* Resolves with term shard k of the index (loaded on first use). */
    shard: (k, version) => part("terms", k, version),

    /* Resolves with positions file k (loaded on first use). */
    positions: (k, version) => part("positions", k, version),

    /* Resolves with the vocabulary, search/words.js (loaded on first use). */
    words: (version) => whole("words", version),

    /* Resolves with every term, search/termlist.js (loaded on first use). */
    termList: (version) => whole("termlist", version),

    /* Resolves with store chunk k (loaded on first use). */
    store: (k, version) => part("store", k, version),
  };
  window.SitegenSearch = SitegenSearch;

  const headerBox = () => document.getElementById("site-search-q");

  const isTyping = (target) => {
    const tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  };

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const box = document.getElementById("search-q") || headerBox();
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  const boot = () => {
    const page = document.getElementById("search-page");
    const box = headerBox();
    if (page) {
      page.setAttribute("data-state", "loading");
      SitegenSearch.load().then((found) => SitegenSearch.ui.attachPage(found, page, box), (error) => {
        page.setAttribute("data-state", "failed");
        const status = document.getElementById("search-status");
        if (status) status.textContent = `The search index could not be loaded (${error.message}).`;
      });
    } else if (box) {
      box.addEventListener("focus", () => {
        SitegenSearch.load().then((found) => SitegenSearch.ui.attachHeader(found, box), () => {
          box.setAttribute("data-search", "unavailable");
        });
      }, { once: true });
    }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
