// Filters the home page's list by status and tag without a reload. Without JavaScript
// the form stays hidden and the whole list shows. The choice lives in the URL
// (?status=read&tag=vision), so a filtered list can be shared and survives a reload.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll(".paper-list .paper-item"));
  var count = form.querySelector(".filter-count");
  var tagSelect = form.elements.tag;

  function chosenStatus() {
    var checked = form.querySelector("input[name=status]:checked");
    return checked ? checked.value : "";
  }
  function apply() {
    var status = chosenStatus();
    var tag = tagSelect.value;
    var shown = 0;
    items.forEach(function (item) {
      var ok = (!status || item.getAttribute("data-status") === status) &&
        (!tag || (" " + item.getAttribute("data-tags") + " ").indexOf(" " + tag + " ") >= 0);
      item.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = (status || tag) ? shown + " of " + items.length + " papers shown" : "";
    var params = new URLSearchParams(location.search);
    if (status) { params.set("status", status); } else { params.delete("status"); }
    if (tag) { params.set("tag", tag); } else { params.delete("tag"); }
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }
  function restore() {
    var params = new URLSearchParams(location.search);
    var status = params.get("status") || "";
    var radio = form.querySelector('input[name=status][value="' + CSS.escape(status) + '"]');
    if (radio) { radio.checked = true; }
    var tag = params.get("tag") || "";
    if (tagSelect.querySelector('option[value="' + CSS.escape(tag) + '"]')) { tagSelect.value = tag; }
  }
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  restore();
  apply();
})();
