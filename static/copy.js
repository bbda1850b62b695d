// Copy buttons: `<button data-copy="ID" hidden>` copies the text of #ID. Without
// JavaScript the button stays hidden and the text can still be selected by hand.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Select the text to copy";
      });
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
