// Injected by `sitegen serve` only: reloads the page after a rebuild, shows build errors.
(function () {
  "use strict";
  var overlay = null;
  function showError(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2rem";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("h2");
    title.textContent = "sitegen: the build failed; showing the last good site";
    var pre = document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.textContent = text;
    overlay.appendChild(title);
    overlay.appendChild(pre);
  }
  function refreshCss() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("sitegen-reload", Date.now());
      links[i].href = url.toString();
    }
  }
  var source = new EventSource("/__sitegen/events");
  source.addEventListener("hello", function (e) {
    var state = JSON.parse(e.data);
    if (state.error) { showError(state.error); }
  });
  // The page this tab shows, as a path under the site root ("papers/x.html").
  function here() {
    var path = decodeURIComponent(location.pathname).replace(/^\/+/, "");
    return path === "" || path.slice(-1) === "/" ? path + "index.html" : path;
  }
  function concerns(paths) {
    if (!paths.length || overlay) { return true; }
    var page = here();
    return paths.some(function (path) {
      if (path === page) { return true; }
      if (path.indexOf("search/") === 0) { return page === "search.html"; }
      return /\.(js|css)$/.test(path) || !/\.(html|xml|bib|txt)$/.test(path);
    });
  }
  source.addEventListener("reload", function (e) {
    if (concerns(JSON.parse(e.data).paths || [])) { location.reload(); }
  });
  source.addEventListener("css", function () {
    if (overlay) { location.reload(); } else { refreshCss(); }
  });
  source.addEventListener("failed", function (e) {
    showError(JSON.parse(e.data).error);
  });
})();
