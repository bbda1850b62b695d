// Copy buttons: `<button data-copy="ID" hidden>` copies the text of #ID. Without
// JavaScript the button stays hidden and the text can still be selected by hand.
(() => {
  "use strict";
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) continue;
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(source.textContent).then(() => {
        button.textContent = "Copied";
      }, () => {
        button.textContent = "Select the text to copy";
      });
      setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  }
})();
