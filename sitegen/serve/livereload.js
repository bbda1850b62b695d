// Injected by `sitegen serve` only: reloads the page after a rebuild, shows build errors.
(() => {
  "use strict";
  let overlay = null;

  const showError = (text) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2rem";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    const title = document.createElement("h2");
    title.textContent = "sitegen: the build failed; showing the last good site";
    const pre = document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.textContent = text;
    overlay.append(title, pre);
  };

  const refreshCss = () => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("sitegen-reload", Date.now());
      link.href = url.toString();
    }
  };

  // The page this tab shows, as a path under the site root ("papers/x.html").
  const here = () => {
    const path = decodeURIComponent(location.pathname).replace(/^\/+/, "");
    return path === "" || path.endsWith("/") ? `${path}index.html` : path;
  };

  const concerns = (paths) => {
    if (!paths.length || overlay) return true;
    const page = here();
    return paths.some((path) => {
      if (path === page) return true;
      if (path.startsWith("search/")) return page === "search.html";
      if (path.startsWith("map/")) return page === "map.html"; // the map's data script
      return /\.(js|css)$/.test(path) || !/\.(html|xml|bib|txt)$/.test(path);
    });
  };

  const source = new EventSource("/__sitegen/events");
  source.addEventListener("hello", (e) => {
    const state = JSON.parse(e.data);
    if (state.error) showError(state.error);
  });
  source.addEventListener("reload", (e) => {
    if (concerns(JSON.parse(e.data).paths || [])) location.reload();
  });
  source.addEventListener("css", () => {
    if (overlay) location.reload(); else refreshCss();
  });
  source.addEventListener("failed", (e) => showError(JSON.parse(e.data).error));
})();
