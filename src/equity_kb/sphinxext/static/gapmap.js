/* Gap map: a switch between the tenets-by-focus and tenets-by-level tables (without
   JavaScript, and in print, both show), and a cue above a table wider than the screen
   that it scrolls sideways (its row labels stay, by CSS). */
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
      cues();
    }
    function cues() {
      map.querySelectorAll(".kb-table-scroll").forEach(function (scroller) {
        var cue = scroller.previousElementSibling;
        if (cue && cue.classList.contains("kb-scroll-cue")) {
          cue.hidden = scroller.scrollWidth <= scroller.clientWidth + 1;
        }
      });
    }
    window.addEventListener("resize", cues);
    buttons.forEach(function (b) { b.addEventListener("click", function () { show(b); }); });
    switcher.hidden = false;
    show(buttons[0]);
  });
})();
