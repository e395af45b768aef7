/* Citation previews. The build puts each cited reference's APA line and annotation in the
   page, hidden (role="tooltip"), and points its citation links at it with
   aria-describedby; this script shows it beside the link. Hovering or focusing opens it;
   leaving, blurring or Escape closes it, and focus stays on the link. On touch the first
   tap opens it and a second tap on the same link follows it. No request is made. */
(function () {
  "use strict";
  var GAP = 6; // px between the link and the preview
  var MARGIN = 8; // px kept clear of the viewport's edges
  var HIDE_DELAY = 250; // ms, so the pointer can move from the link onto the preview

  var current = null; // {link, tip, hovered, focused} of the preview shown
  var armed = null; // the link a touch has opened: the next tap on it follows it
  var lastPointer = "";
  var hideTimer = 0;

  function previewOf(link) {
    var tip = document.getElementById(link.getAttribute("aria-describedby") || "");
    return tip && tip.classList.contains("kb-cite-preview") ? tip : null;
  }

  function show(link, tip) {
    clearTimeout(hideTimer);
    if (current && current.link === link) return;
    hide();
    // At the end of <body>, so no container of the link clips or offsets it.
    if (tip.parentNode !== document.body) document.body.appendChild(tip);
    tip.hidden = false;
    current = { link: link, tip: tip, hovered: false, focused: false };
    place(link, tip);
  }

  function hide() {
    clearTimeout(hideTimer);
    if (!current) return;
    current.tip.hidden = true;
    current = null;
    armed = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () {
      if (current && !current.hovered && !current.focused) hide();
    }, HIDE_DELAY);
  }

  // Below the link's first line, or above it when there is more room there; never
  // past the viewport's edges.
  function place(link, tip) {
    var root = document.documentElement;
    var width = root.clientWidth;
    var height = root.clientHeight;
    var anchor = link.getClientRects()[0] || link.getBoundingClientRect();
    tip.style.left = "0px";
    tip.style.top = "0px";
    var origin = tip.getBoundingClientRect(); // where (0, 0) is, in the viewport
    var w = origin.width;
    var h = origin.height;
    var left = Math.max(MARGIN, Math.min(anchor.left, width - MARGIN - w));
    var below = anchor.bottom + GAP;
    var above = Math.max(MARGIN, anchor.top - GAP - h);
    var fitsBelow = below + h <= height - MARGIN;
    var top = fitsBelow || height - anchor.bottom >= anchor.top ? below : above;
    tip.style.left = left - origin.left + "px";
    tip.style.top = top - origin.top + "px";
  }

  function onLinkEvent(event) {
    var link = event.currentTarget;
    var tip = previewOf(link);
    if (!tip) return;
    switch (event.type) {
      case "mouseenter":
      case "focus":
        show(link, tip);
        current[event.type === "focus" ? "focused" : "hovered"] = true;
        break;
      case "mouseleave":
      case "blur":
        if (current && current.link === link) {
          current[event.type === "blur" ? "focused" : "hovered"] = false;
          hideSoon();
        }
        break;
      case "pointerdown":
        lastPointer = event.pointerType;
        break;
      case "click":
        // Keyboard activation (detail 0) and mouse clicks follow the link at once.
        if (event.detail === 0 || (event.pointerType || lastPointer) !== "touch") return;
        if (armed === link && current && current.link === link) return; // second tap
        event.preventDefault();
        show(link, tip);
        armed = link;
        break;
    }
  }

  var links = document.querySelectorAll("a.kb-cite[aria-describedby]");
  Array.prototype.forEach.call(links, function (link) {
    ["mouseenter", "mouseleave", "focus", "blur", "pointerdown", "click"].forEach(function (t) {
      link.addEventListener(t, onLinkEvent);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".kb-cite-preview"), function (tip) {
    tip.addEventListener("mouseenter", function () {
      if (current && current.tip === tip) {
        current.hovered = true;
        clearTimeout(hideTimer);
      }
    });
    tip.addEventListener("mouseleave", function () {
      if (current && current.tip === tip) {
        current.hovered = false;
        hideSoon();
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current) hide(); // focus stays where it is
  });
  // A tap or click anywhere else closes it (touch browsers may not move focus).
  document.addEventListener("pointerdown", function (event) {
    if (current && !current.link.contains(event.target) && !current.tip.contains(event.target)) {
      hide();
    }
  });
  // Phones resize the viewport as their address bar slides away: follow, don't close.
  window.addEventListener("resize", function () {
    if (current) place(current.link, current.tip);
  });
})();
