/* Equity KB printing (sphinxext/print_pack.py).
 *
 * On every card: the print-only stamp's date becomes "Printed on <today>" just before
 * printing (without this script it keeps "Built on <the build's date>").
 *
 * On the meeting pack page (print-pack.html?cards=PC-001,PC-003): the chosen cards'
 * printable fragments (kb-print/<ID>.json, {id, html}, written by the build) are fetched from the
 * same site and shown one per printed page; "Print these cards" prints them all in one
 * job. The set lives in the URL, so a pack can be shared as a link. Fragments are the
 * build's own HTML; scripts in them are dropped, and their links and ids are rebased.
 */
(function () {
  "use strict";

  var MAX_CARDS = 100;

  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  /** "5 December 2026", as every date on the site is written (core/changes.long_date). */
  function longDate(d) {
    return d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear();
  }

  function stampPrintDate() {
    var day = today();
    document.querySelectorAll("[data-kb-print-date]").forEach(function (p) {
      while (p.firstChild) p.removeChild(p.firstChild);
      var time = document.createElement("time");
      time.setAttribute("datetime", day);
      time.textContent = longDate(new Date());
      p.appendChild(document.createTextNode("Printed on "));
      p.appendChild(time);
    });
  }

  /** Card IDs from "?cards=PC-001,PC-003" (repeated "cards" parameters add up). */
  function chosenIds(search) {
    var ids = [];
    new URLSearchParams(search).getAll("cards").forEach(function (raw) {
      raw.split(/[\s,]+/).forEach(function (id) {
        id = id.trim().toUpperCase();
        if (id && ids.indexOf(id) < 0 && ids.length < MAX_CARDS) ids.push(id);
      });
    });
    return ids;
  }

  /** The fragment's nodes, with links made absolute (they were relative to the card's
   * page) and ids prefixed by the card's, so that cards side by side never share one. */
  function cardNodes(html, cardUrl, key) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("script").forEach(function (s) { s.remove(); });
    var prefix = key + "--";
    doc.querySelectorAll("[href], [src]").forEach(function (node) {
      ["href", "src"].forEach(function (name) {
        var value = node.getAttribute(name);
        if (value === null) return;
        if (name === "href" && value.charAt(0) === "#") node.setAttribute(name, "#" + prefix + value.slice(1));
        else node.setAttribute(name, new URL(value, cardUrl).href);
      });
    });
    doc.querySelectorAll("[id]").forEach(function (node) { node.id = prefix + node.id; });
    ["aria-labelledby", "aria-describedby", "for"].forEach(function (name) {
      doc.querySelectorAll("[" + name + "]").forEach(function (node) {
        node.setAttribute(name, node.getAttribute(name).split(/\s+/).map(function (id) {
          return id ? prefix + id : id;
        }).join(" "));
      });
    });
    return Array.prototype.slice.call(doc.body.childNodes);
  }

  function setupPack(root) {
    var cards = JSON.parse(document.getElementById("kb-print-pack-cards").textContent || "{}");
    var base = new URL(root.getAttribute("data-root") || "./", window.location.href);
    var status = root.querySelector(".kb-pack-status");
    var printButton = root.querySelector(".kb-pack-print");
    var box = root.querySelector(".kb-pack-cards");
    var ids = chosenIds(window.location.search);
    root.querySelector("#kb-pack-ids").value = ids.join(", ");
    printButton.addEventListener("click", function () { window.print(); });

    var unknown = ids.filter(function (id) { return !cards.hasOwnProperty(id); });
    var known = ids.filter(function (id) { return cards.hasOwnProperty(id); });
    var notes = [];
    if (!ids.length) notes.push("No cards chosen yet: list card IDs above, or use \u201cPrint these cards\u201d on the search or Explore page.");
    if (unknown.length) notes.push("No card with the ID " + unknown.join(", ") + " in this knowledge base.");

    function say(extra) {
      status.textContent = notes.concat(extra ? [extra] : []).join(" ");
    }
    say(known.length ? "Loading " + known.length + (known.length === 1 ? " card\u2026" : " cards\u2026") : "");

    Promise.all(known.map(function (id) {
      var fragmentUrl = new URL(cards[id].fragment, base);
      var cardUrl = new URL(cards[id].url, base).href;
      return fetch(fragmentUrl.href).then(function (response) {
        if (!response.ok) throw new Error(id + ": " + response.status);
        return response.json();
      }).then(function (fragment) {
        return { id: id, nodes: cardNodes(fragment.html, cardUrl, id) };
      });
    })).then(function (loaded) {
      loaded.forEach(function (card) {
        var section = document.createElement("section");
        section.className = "kb-pack-card";
        section.setAttribute("data-card", card.id);
        section.setAttribute("aria-label", card.id + ": " + cards[card.id].title);
        card.nodes.forEach(function (n) { section.appendChild(document.importNode(n, true)); });
        box.appendChild(section);
      });
      printButton.hidden = loaded.length === 0;
      say(loaded.length ? loaded.length + (loaded.length === 1 ? " card" : " cards") + " ready to print: " + known.join(", ") + "." : "");
      root.setAttribute("data-ready", "true");
    }).catch(function (err) {
      say("Could not load the cards (" + err.message + "); print them from their own pages.");
      root.setAttribute("data-ready", "error");
    });
  }

  window.addEventListener("beforeprint", stampPrintDate);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    if (print.addEventListener) print.addEventListener("change", function (e) { if (e.matches) stampPrintDate(); });
  }
  var pack = document.getElementById("kb-print-pack");
  if (pack) setupPack(pack);
})();
