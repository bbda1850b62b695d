// Light/dark theme: follows the system until the reader picks one, which is remembered.
// Loaded in <head> (not deferred) so the chosen theme applies before the first paint.
(() => {
  "use strict";
  const KEY = "sitegen-theme";
  const root = document.documentElement;

  const stored = () => {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null;
    }
  };

  const current = () => {
    const chosen = root.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark" : "light";
  };

  const saved = stored();
  if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.querySelector(".theme-toggle");
    if (!button) return;
    const other = () => (current() === "dark" ? "light" : "dark");
    const label = () => {
      const next = other();
      button.textContent = next === "dark" ? "Dark" : "Light";
      button.setAttribute("aria-label", `Switch to the ${next} theme`);
    };
    button.hidden = false;
    label();
    button.addEventListener("click", () => {
      const next = other();
      root.setAttribute("data-theme", next);
      try {
        localStorage.setItem(KEY, next);
      } catch {
        // private mode: not remembered
      }
      label();
    });
  });
})();
