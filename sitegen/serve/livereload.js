// Injected by `sitegen serve` only: reloads the page after a rebuild, shows build errors.
(() => {
  "use strict";
  let overlay = null;
  // The last build this tab has caught up with: at first, the one its page was served after.
  let seen = Number(document.currentScript?.dataset.sitegenBuild);

  const showError = (text) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.setAttribute("role", "alert");
      // Opaque and in fixed colours: readable over any page, in light and dark themes.
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:#1a1a1a;color:#f4f4f4;font:14px/1.5 ui-monospace,monospace;padding:2rem;" +
        "border-top:6px solid #e5484d;color-scheme:dark";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    const title = document.createElement("h2");
    title.textContent = "sitegen: the build failed; showing the last good site";
    // The page's own styles for h2 and pre (colours, backgrounds) must not leak in.
    title.style.cssText = "color:inherit;background:none;font:bold 1.2rem/1.3 sans-serif;" +
      "margin:0 0 1rem";
    const pre = document.createElement("pre");
    pre.style.cssText = "color:inherit;background:none;font:inherit;white-space:pre-wrap;" +
      "margin:0;padding:0;border:0";
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

  // The site's files this page has loaded (its own tags, and what its scripts fetched).
  const used = () => {
    const urls = [...document.querySelectorAll("script[src], link[href]")]
      .map((e) => e.src || e.href)
      .concat(performance.getEntriesByType("resource").map((r) => r.name));
    return new Set(urls.map((url) => {
      const parsed = new URL(url, location.href);
      return parsed.origin === location.origin
        ? decodeURIComponent(parsed.pathname).replace(/^\/+/, "") : "";
    }));
  };

  const concerns = (paths) => {
    if (!paths.length || overlay) return true;
    const page = here();
    return paths.some((path) => {
      if (path === page) return true;
      if (path.startsWith("search/")) return page === "search.html";
      if (path.startsWith("map/")) return page === "map.html"; // the map's data script
      // A script or stylesheet (a listing's summaries, say) matters only where it is used.
      if (/\.(js|css)$/.test(path)) return used().has(path);
      return !/\.(html|xml|bib|txt)$/.test(path);
    });
  };

  // A build published between serving this page and connecting its stream: act on what
  // the greeting says it changed (reload when it is too far back to tell).
  const catchUp = (latest, recent) => {
    if (!(latest > seen)) return;
    const missed = recent.filter((build) => build.version > seen);
    const told = missed.length > 0 && missed[0].version === seen + 1; // each one since
    seen = latest;
    if (!told || missed.some((b) => b.kind === "reload" && concerns(b.paths || []))) {
      location.reload();
    } else if (missed.some((b) => b.kind === "css")) {
      refreshCss();
    }
  };

  const handle = (message) => {
    if (message.kind === "hello") {
      if (message.error) showError(message.error);
      catchUp(message.version, message.recent || []);
      return;
    }
    if (message.version <= seen) return; // told already, by a greeting
    seen = message.version;
    if (message.kind === "reload") {
      if (concerns(message.paths || [])) location.reload();
    } else if (message.kind === "css") {
      if (overlay) location.reload(); else refreshCss();
    } else if (message.kind === "failed") {
      showError(message.error);
    }
  };

  // One event stream for all tabs, in a SharedWorker (a stream per tab would exhaust the
  // browser's 6 connections per host); a stream of its own where there is no SharedWorker.
  if (typeof SharedWorker === "function") {
    const worker = new SharedWorker("/__sitegen/livereload-worker.js", { name: "sitegen" });
    worker.port.onmessage = (e) => handle(e.data);
    addEventListener("pagehide", () => worker.port.postMessage("bye"));
    addEventListener("pageshow", (e) => {
      if (e.persisted) worker.port.postMessage("back");
    });
  } else {
    const source = new EventSource("/__sitegen/events");
    for (const kind of ["hello", "reload", "css", "failed"]) {
      source.addEventListener(kind, (e) => {
        handle({ ...JSON.parse(e.data), kind, version: Number(e.lastEventId) });
      });
    }
  }
})();
