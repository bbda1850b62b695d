// Keyboard for the paper lists: j / k move through the rows, Enter opens (the row's link
// has the focus), / goes to the filter box, ? shows the keys, Esc leaves either.
(() => {
  "use strict";
  const list = document.querySelector(".listing .paper-list");
  if (!list) return;
  const help = document.getElementById("list-keys");
  const helpButton = document.querySelector(".keys-button");
  const box = document.querySelector(".list-controls input[name=q]");

  const isTyping = (target) => {
    const tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  };

  const rows = () => list.querySelectorAll(".paper-item");

  const move = (step) => {
    let items = rows();
    const active = document.activeElement;
    const focused = active && active.closest ? active.closest(".paper-item") : null;
    const current = list.querySelector(".paper-item.is-current");
    const from = Array.prototype.indexOf.call(items, focused || current);
    let next = from < 0 ? 0 : from + step;
    // The list draws its rows a chunk at a time: draw the next chunk at its end.
    if (next >= items.length && window.SitegenList && window.SitegenList.more && window.SitegenList.more()) {
      items = rows();
    }
    next = Math.max(0, Math.min(items.length - 1, next));
    if (!items[next]) return;
    if (current) current.classList.remove("is-current");
    items[next].classList.add("is-current");
    items[next].querySelector(".paper-item-title a").focus();
  };

  const toggleHelp = (show) => {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (helpButton) helpButton.setAttribute("aria-expanded", String(!help.hidden));
  };

  if (helpButton) helpButton.addEventListener("click", () => toggleHelp());

  // On window, capturing: "/" is the list's filter here, not the header's search box.
  window.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape" && event.target === box) box.blur();
      return;
    }
    if (event.key === "j" || event.key === "k") {
      move(event.key === "j" ? 1 : -1);
    } else if (event.key === "/" && box && box.offsetParent !== null) {
      event.preventDefault();
      event.stopImmediatePropagation();
      box.focus();
      box.select();
    } else if (event.key === "?") {
      toggleHelp();
    } else if (event.key === "Escape") {
      toggleHelp(false);
    }
  }, true);
})();
