// Light/dark theme: follows the system until the reader picks one, which is remembered.
// Deferred: a one-line script in templates/base.html's <head> applies the saved choice
// before the first paint; this file adds the toggle button.
(() => {
  "use strict";
  const KEY = "sitegen-theme"; // also in templates/base.html's inline script
  const root = document.documentElement;

  const current = () => {
    const chosen = root.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark" : "light";
  };

  const button = document.querySelector(".theme-toggle");
  if (button) {
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
  }
})();
