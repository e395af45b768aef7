/* Gap map: a switch between the tenets-by-focus and tenets-by-level tables. Without
   JavaScript (and in print) both tables show. */
(function () {
  "use strict";
  document.querySelectorAll("[data-kb-gapmap]").forEach(function (map) {
    var switcher = map.querySelector(".kb-gapmap-switch");
    var buttons = Array.prototype.slice.call(switcher.querySelectorAll("button"));
    function show(button) {
      buttons.forEach(function (b) {
        var on = b === button;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        document.getElementById(b.getAttribute("aria-controls")).hidden = !on;
      });
    }
    buttons.forEach(function (b) { b.addEventListener("click", function () { show(b); }); });
    switcher.hidden = false;
    show(buttons[0]);
  });
})();
