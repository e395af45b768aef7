/* "Download these results" on the search and Explore pages: the current result set's
 * entries as BibTeX, RIS or CSL-JSON, in either search mode and on any static host.
 *
 * search.js announces each result set on #kb-search (root.kbResults and a "kb-results"
 * event) with a function listing its keys. On a download this script fetches the
 * site's per-entry records (_downloads/cite/records.json, written at build end by
 * sphinxext/result_export.py, once per page view) and joins the chosen keys' texts as
 * the site-wide export writers do (core/citable.py join_records), so the file reads
 * back like the site's own exports. Entries' text only ever goes into the file, never
 * into the page.
 */
(function () {
  "use strict";

  var LIMIT = 1000; // results per download (ten of the service's largest pages)
  var FORMATS = {
    bibtex: { label: "BibTeX", ext: ".bib", type: "application/x-bibtex" },
    ris: { label: "RIS", ext: ".ris", type: "application/x-research-info-systems" },
    "csl-json": { label: "CSL-JSON", ext: ".json", type: "application/vnd.citationstyles.csl+json" },
  };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  /** Records' texts of one format as one file (core/citable.py join_records). */
  function join(fmt, texts) {
    if (fmt === "bibtex") return texts.join("\n");
    if (fmt === "ris") return texts.map(function (t, i) { return (i + 1) + ".\n" + t; }).join("\n");
    return texts.length ? "[\n" + texts.join(",\n") + "\n]\n" : "[]\n";
  }

  function Exporter(root) {
    this.root = root;
    this.current = null;
    this.records = null; // a promise, made on the first download
    this.box = el("div", { class: "kb-export" });
    this.select = el("select", { id: "kb-export-format", name: "export-format" });
    var self = this;
    Object.keys(FORMATS).forEach(function (fmt) {
      var option = el("option", { value: fmt }, FORMATS[fmt].label);
      self.select.appendChild(option);
    });
    this.button = el("button", { type: "button", class: "kb-button", id: "kb-export-button" }, "Download these results");
    this.note = el("p", { class: "kb-export-status", role: "status", "aria-live": "polite" });
    this.box.appendChild(el("label", { for: "kb-export-format" }, "Format "));
    this.box.appendChild(this.select);
    this.box.appendChild(document.createTextNode(" "));
    this.box.appendChild(this.button);
    this.box.appendChild(this.note);
    this.box.hidden = true;
    this.button.addEventListener("click", function () { self.download(); });
  }

  /** Placed under the result count once search.js has drawn the page. */
  Exporter.prototype.show = function (detail) {
    this.current = detail;
    if (!this.box.parentNode) {
      var count = this.root.querySelector(".kb-count");
      if (!count) return;
      count.parentNode.insertBefore(this.box, count.nextSibling);
    }
    this.box.hidden = !detail.total;
    this.note.textContent = detail.total > LIMIT
      ? "A download holds the first " + LIMIT.toLocaleString("en") + " of these results."
      : "";
  };

  Exporter.prototype.loadRecords = function (siteRoot) {
    if (!this.records) {
      var url = new URL("_downloads/cite/records.json", siteRoot).href;
      var self = this;
      this.records = fetch(url).then(function (res) {
        if (!res.ok) throw new Error("the site's citation records are missing (" + res.status + ")");
        return res.json();
      }).then(function (data) { return data.records || {}; });
      this.records.catch(function () { self.records = null; }); // try again next time
    }
    return this.records;
  };

  Exporter.prototype.download = function () {
    var detail = this.current;
    if (!detail) return;
    var fmt = this.select.value;
    var self = this;
    this.button.disabled = true;
    this.note.textContent = "Preparing the download\u2026";
    Promise.all([detail.keys(LIMIT), this.loadRecords(detail.siteRoot)])
      .then(function (got) {
        var records = got[1];
        var texts = [];
        got[0].forEach(function (key) {
          if (Object.prototype.hasOwnProperty.call(records, key)) texts.push(records[key][fmt]);
        });
        var info = FORMATS[fmt];
        var blob = new Blob([join(fmt, texts)], { type: info.type + ";charset=utf-8" });
        var link = el("a", { href: URL.createObjectURL(blob), download: "equity-kb-results" + info.ext });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
        self.note.textContent = "Downloaded " + texts.length + (texts.length === 1 ? " entry" : " entries") +
          " as " + info.label + (detail.total > texts.length ? " (of " + detail.total.toLocaleString("en") + " results)." : ".");
      })
      .catch(function (err) {
        self.note.textContent = "The download failed: " + String((err && err.message) || err);
      })
      .then(function () { self.button.disabled = false; });
  };

  function start() {
    var root = document.getElementById("kb-search");
    if (!root || root.kbExporter) return;
    var exporter = root.kbExporter = new Exporter(root);
    root.addEventListener("kb-results", function (event) { exporter.show(event.detail); });
    if (root.kbResults) exporter.show(root.kbResults); // announced before this ran
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
