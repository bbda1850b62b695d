// Cards or compact rows: the view toggle of a list, remembered across pages and visits.
(() => {
  "use strict";
  const KEY = "sitegen-list-view";

  // Wires `button` to show `list` as cards or rows; `changed(cards)` after each click.
  const cardsToggle = (button, list, changed) => {
    const set = (cards) => {
      list.classList.toggle("cards", cards);
      button.setAttribute("aria-pressed", String(cards));
    };
    try {
      set(localStorage.getItem(KEY) === "cards");
    } catch {
      // storage blocked: compact rows
    }
    button.addEventListener("click", () => {
      const cards = !list.classList.contains("cards");
      set(cards);
      try {
        localStorage.setItem(KEY, cards ? "cards" : "compact");
      } catch {
        // private mode: not remembered
      }
      changed(cards);
    });
    return { cards: () => list.classList.contains("cards") };
  };

  window.SitegenList.cardsToggle = cardsToggle;
})();
