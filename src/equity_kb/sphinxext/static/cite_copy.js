/* The copy button of "Cite this card". Without JavaScript there is no button and the
 * APA line is plain text to select; with it, the button copies that text
 * (navigator.clipboard, or the selection and execCommand where the clipboard API is
 * not available) and says "Copied" in a live region.
 */
(function () {
  "use strict";

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection(node) {
    selectText(node);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    if (!ok) throw new Error("no clipboard");
  }

  function setUp(box) {
    var citation = box.querySelector(".kb-citation");
    if (!citation || box.querySelector(".kb-copy")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "kb-button kb-copy";
    button.textContent = "Copy citation";
    var status = document.createElement("span");
    status.className = "kb-copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var row = document.createElement("p");
    row.className = "kb-copy-row";
    row.appendChild(button);
    row.appendChild(document.createTextNode(" "));
    row.appendChild(status);
    citation.parentNode.insertBefore(row, citation.nextSibling);
    button.addEventListener("click", function () {
      var text = citation.textContent.replace(/\s+/g, " ").trim();
      status.textContent = ""; // so a second copy is announced again
      var copied = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(text).catch(function () { copyBySelection(citation); })
        : Promise.resolve().then(function () { copyBySelection(citation); });
      copied.then(function () {
        status.textContent = "Copied";
      }, function () {
        selectText(citation);
        status.textContent = "Selected: press Ctrl+C (\u2318C on a Mac) to copy";
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".kb-cite-this"), setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
