/* Equity KB search page: faceted search with counts, state in the URL.
 *
 * Runs on a page holding
 *   <div id="kb-search" data-api="/api/search" data-root="../" data-static="../kb-search/"></div>
 * (data-root: the site root, relative to the page; data-static: the static index;
 * optional data-page-size, data-explore). It asks the search service (/api/search)
 * first. Where none answers (a site on plain static hosting), it searches the site's
 * static index (search_static.js, Pagefind) instead: the same full text, facets, counts,
 * excerpts and pages, answered in the browser. The Explore page always uses the static
 * index, which can list every entry in a chosen order.
 *
 * Safety: text from content is inserted with textContent / createTextNode only. The
 * service's snippets are escaped HTML whose only markup is <mark>; they are split on
 * <mark> tags and rebuilt as nodes, so nothing else in them can become markup.
 *
 * Facet labels come with the page (<script id="kb-search-labels">), so the static
 * answers show the vocabulary's names.
 */
(function () {
  "use strict";

  var FACETS = [
    { field: "type", param: "type", legend: "Type" },
    { field: "tenets", param: "tenet", legend: "Tenet" },
    { field: "focus", param: "focus", legend: "Focus area" },
    { field: "levels", param: "level", legend: "Level" },
    { field: "evidence", param: "evidence", legend: "Kind of evidence" },
  ];
  var TYPE_LABELS = { practice: "Practice card", brief: "Research brief", reference: "Reference" };
  var PAGE_SIZE = 20;
  var API_TIMEOUT_MS = 5000;
  // Long enough to skip the keystrokes of a word typed quickly, short enough that the
  // results follow the typing (a static search is a few milliseconds once loaded).
  var TYPING_DELAY_MS = 60;
  // Orders the Explore page can list entries in.
  var SORTS = {
    "": "Type, then title",
    title: "Title, A to Z",
    "year-desc": "Year, newest first",
    "year-asc": "Year, oldest first",
  };
  // Wide enough for the filters beside the results (search.css uses the same width);
  // narrower, they open in a dialog.
  var WIDE = "(min-width: 48rem)";

  /* ---------------------------------------------------------------- state and URL */

  function emptyState() {
    return { q: "", type: [], tenet: [], focus: [], level: [], evidence: [], year_from: null, year_to: null, page: 1, sort: "" };
  }

  function toYear(value) {
    var n = parseInt(value, 10);
    return n >= 1 && n <= 9999 && String(n) === String(value).trim() ? n : null;
  }

  /** State from a query string ("?q=..&tenet=data&tenet=practice&page=2"). */
  function stateFromQuery(search) {
    var params = new URLSearchParams(search);
    var state = emptyState();
    state.q = (params.get("q") || "").slice(0, 500);
    FACETS.forEach(function (f) {
      var values = [];
      params.getAll(f.param).forEach(function (raw) {
        raw.split(",").forEach(function (v) {
          v = v.trim();
          if (v && values.indexOf(v) < 0 && values.length < 50) values.push(v);
        });
      });
      state[f.param] = values;
    });
    state.year_from = toYear(params.get("year_from") || "");
    state.year_to = toYear(params.get("year_to") || "");
    var page = parseInt(params.get("page") || "1", 10);
    state.page = page >= 1 && page <= 10000 ? page : 1;
    var sort = params.get("sort") || "";
    state.sort = SORTS.hasOwnProperty(sort) ? sort : "";
    return state;
  }

  /** The query string for a state (defaults left out, so URLs stay short). */
  function queryFromState(state, extra) {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    FACETS.forEach(function (f) {
      state[f.param].forEach(function (v) { params.append(f.param, v); });
    });
    if (state.year_from) params.set("year_from", String(state.year_from));
    if (state.year_to) params.set("year_to", String(state.year_to));
    if (state.page > 1) params.set("page", String(state.page));
    if (state.sort) params.set("sort", state.sort);
    if (extra) Object.keys(extra).forEach(function (k) { params.set(k, extra[k]); });
    return params.toString();
  }

  /** How many filters are chosen (a year range counts once). */
  function chosenFilters(state) {
    return FACETS.reduce(function (n, f) { return n + state[f.param].length; }, 0) +
      (state.year_from || state.year_to ? 1 : 0);
  }

  /** The state's changes that clear every filter. */
  function noFilters() {
    var change = { year_from: null, year_to: null, page: 1 };
    FACETS.forEach(function (f) { change[f.param] = []; });
    return change;
  }

  function hasFilters(state) {
    return FACETS.some(function (f) { return state[f.param].length > 0; }) ||
      !!state.year_from || !!state.year_to;
  }

  // Static results drawn at once; the rest of the page follows (a screen and more of
  // results, so nothing in view moves when they come).
  var FIRST_DRAWN = 5;

  // Pagefind's sort keys for the Explore page's orders (search/static_index.py).
  var STATIC_SORTS = {
    "": { order: "asc" },
    title: { title: "asc" },
    "year-desc": { newest: "asc" },
    "year-asc": { oldest: "asc" },
  };

  function hasWords(q) {
    return !!String(q || "").replace(/["()]/g, " ").trim();
  }

  /* ---------------------------------------------------------------- DOM helpers */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  var ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', "#x27": "'", "#39": "'" };

  function decodeEntities(text) {
    return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, function (_, name) { return ENTITIES[name]; });
  }

  /** Nodes for a service snippet: only <mark> becomes an element; the rest is text. */
  function snippetNodes(html) {
    var frag = document.createDocumentFragment();
    var mark = null;
    String(html || "").split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === "<mark>") {
        if (!mark) mark = document.createElement("mark");
      } else if (part === "</mark>") {
        if (mark) frag.appendChild(mark);
        mark = null;
      } else if (part) {
        (mark || frag).appendChild(document.createTextNode(decodeEntities(part)));
      }
    });
    if (mark) frag.appendChild(mark);
    return frag;
  }

  /** Plain text with the given words marked (a partial static match), from text nodes. */
  function markedText(text, ws) {
    var frag = document.createDocumentFragment();
    text = String(text || "");
    var lower = text.toLowerCase();
    var pos = 0;
    while (ws.length && pos < text.length) {
      var best = -1, len = 0;
      ws.forEach(function (w) {
        if (!w) return;
        var i = lower.indexOf(w, pos);
        if (i >= 0 && (best < 0 || i < best)) { best = i; len = w.length; }
      });
      if (best < 0) break;
      if (best > pos) frag.appendChild(document.createTextNode(text.slice(pos, best)));
      frag.appendChild(el("mark", { text: text.slice(best, best + len) }));
      pos = best + len;
    }
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  /* ---------------------------------------------------------------- the page */

  function SearchPage(root) {
    this.root = root;
    this.api = root.getAttribute("data-api") || "";
    // Entry URLs are relative to the site root.
    this.siteRoot = new URL(root.getAttribute("data-root") || "./", document.baseURI).href;
    this.staticUrl = new URL(root.getAttribute("data-static") || "kb-search/", this.siteRoot).href;
    var size = parseInt(root.getAttribute("data-page-size") || "", 10);
    this.pageSize = size >= 1 && size <= 100 ? size : PAGE_SIZE;
    // An Explore page (data-explore) lists every entry from the static index, sorted.
    this.explore = root.hasAttribute("data-explore");
    this.mode = this.api && !this.explore ? "unknown" : "static";
    this.state = stateFromQuery(window.location.search);
    this.labels = { type: Object.assign({}, TYPE_LABELS) };
    var labelsNode = document.getElementById("kb-search-labels");
    try {
      this.absorbLabels(labelsNode ? JSON.parse(labelsNode.textContent || "{}") : {});
    } catch (e) { /* the raw values show instead */ }
    this.seq = 0;
    this.timer = null;
    this.build();
    this.fillForm();
    var self = this;
    window.addEventListener("popstate", function () {
      self.state = stateFromQuery(window.location.search);
      self.fillForm();
      self.run(null);
    });
    this.run(null);
  }

  SearchPage.prototype.build = function () {
    var self = this;
    var root = this.root;
    while (root.firstChild) root.removeChild(root.firstChild);
    root.classList.add("kb-search");

    this.input = el("input", {
      type: "search", id: "kb-q", name: "q", autocomplete: "off", spellcheck: "false",
      placeholder: "Words or a question", "aria-describedby": "kb-q-hint",
    });
    this.form = el("form", { role: "search", className: "kb-search-form", action: "" }, [
      el("label", { for: "kb-q", className: "kb-search-label", text: "Search the knowledge base" }),
      el("div", { className: "kb-search-row" }, [
        this.input,
        el("button", { type: "submit", className: "kb-button", text: "Search" }),
      ]),
      el("p", {
        id: "kb-q-hint", className: "kb-hint",
        text: "Entries with all your words come first; \u201cquote\u201d a phrase.", // one line on a phone
      }),
    ]);
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(self.timer);
      self.update({ q: self.input.value.trim(), page: 1 }, "push");
    });
    this.input.addEventListener("input", function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () {
        self.update({ q: self.input.value.trim(), page: 1 }, "replace");
      }, TYPING_DELAY_MS);
    });

    // Layout: nothing is ever inserted above the results once they show, so they do not
    // jump (no layout shift). The mode note, known only once the service has answered or
    // not, comes after them, drawn with them; the count holds its line from the start.
    this.modeNote = el("p", { className: "kb-mode", id: "kb-mode" });
    this.status = el("p", {
      className: "kb-count", role: "status", "aria-live": "polite", "aria-atomic": "true",
      text: "Searching\u2026",
    });
    this.message = el("div", { className: "kb-message" });
    this.facetBox = el("div", { className: "kb-facets", "aria-label": "Filters", role: "group" });
    this.resultsHeading = el("h2", { className: "kb-results-heading", id: "kb-results", tabindex: "-1", text: "Results" });
    this.list = el("ol", { className: "kb-hits" });
    this.pager = el("nav", { className: "kb-pager", "aria-label": "Result pages" });
    this.nearest = el("div", { className: "kb-nearest" });
    this.nearest.hidden = true;
    // "Print these cards" follows the cards it prints (on a phone, above them, it would
    // push the first result out of view).
    this.printLink = el("p", { className: "kb-print-these" });
    this.printLink.hidden = true;
    // The chosen filters, each a button that removes it (on a phone the only place they
    // show while the filters are folded away).
    this.chips = el("ul", { className: "kb-chips", "aria-label": "Chosen filters" });
    this.chips.hidden = true;
    // On a narrow screen the filters open in a dialog from this button, which says how
    // many are chosen; on a wide one they sit beside the results and it is not shown.
    this.filterButton = el("button", {
      type: "button", className: "kb-button kb-filter-open", id: "kb-filter-open",
      "aria-haspopup": "dialog", "aria-controls": "kb-filter-dialog", text: "Filters",
    });
    this.filterButton.addEventListener("click", function () { self.openFilters(); });
    this.bar = el("div", { className: "kb-results-bar" }, [this.resultsHeading, this.filterButton]);
    if (this.explore) {
      this.sortSelect = el("select", { id: "kb-sort", name: "sort" });
      Object.keys(SORTS).forEach(function (key) {
        self.sortSelect.appendChild(el("option", { value: key, text: SORTS[key] }));
      });
      this.sortSelect.addEventListener("change", function () {
        self.update({ sort: self.sortSelect.value, page: 1 }, "push");
      });
      this.bar.appendChild(el("p", { className: "kb-sort" }, [
        el("label", { for: "kb-sort", text: "Sort by" }), this.sortSelect,
      ]));
    }
    this.results = el("div", { className: "kb-results" }, [
      this.bar, this.chips, this.status, this.message, this.list, this.nearest, this.printLink, this.pager, this.modeNote,
    ]);
    // Keyboard users reach the results without tabbing through every filter.
    this.skip = el("a", { href: "#kb-results", className: "kb-skip", text: "Skip to the results" });
    this.skip.addEventListener("click", function (event) {
      event.preventDefault();
      self.resultsHeading.focus();
    });
    this.filterPanel = el("div", { className: "kb-filter-panel" }, [this.facetBox]);
    this.layout = el("div", { className: "kb-layout" }, [this.filterPanel, this.results]);
    this.buildDialog();
    root.appendChild(this.form);
    root.appendChild(this.skip);
    root.appendChild(this.layout);
    root.appendChild(this.dialog);
    // The filters' place follows the width: beside the results, or in the dialog.
    var wide = window.matchMedia ? window.matchMedia(WIDE) : null;
    var place = function () { self.placeFilters(!wide || wide.matches); };
    place();
    if (wide && wide.addEventListener) wide.addEventListener("change", place);
  };

  /** The filters' dialog (narrow screens): a title, the filters, and at the foot the
   * count they give (a live region, so it is announced as boxes are ticked) on the
   * button that closes it onto the results. */
  SearchPage.prototype.buildDialog = function () {
    var self = this;
    this.dialogTitle = el("h2", { id: "kb-filter-title", className: "kb-filter-title", text: "Filters" });
    var close = el("button", { type: "button", className: "kb-filter-close", text: "Close" });
    close.addEventListener("click", function () { self.closeFilters(false); });
    this.dialogLive = el("p", {
      className: "kb-filter-live", id: "kb-filter-live", role: "status", "aria-live": "polite", "aria-atomic": "true",
    });
    this.showButton = el("button", { type: "button", className: "kb-button kb-filter-show", id: "kb-filter-show", text: "Show results" });
    this.showButton.addEventListener("click", function () { self.closeFilters(true); });
    this.dialogBody = el("div", { className: "kb-filter-dialog-body" });
    this.dialog = el("dialog", {
      className: "kb-filter-dialog", id: "kb-filter-dialog", "aria-labelledby": "kb-filter-title",
    }, [
      el("div", { className: "kb-filter-dialog-head" }, [this.dialogTitle, close]),
      this.dialogBody,
      el("div", { className: "kb-filter-dialog-foot" }, [this.dialogLive, this.showButton]),
    ]);
    // Escape (a "cancel") closes it as the Close button does.
    this.dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      self.closeFilters(false);
    });
  };

  SearchPage.prototype.placeFilters = function (wide) {
    if (wide) {
      if (this.dialog.open) this.closeFilters(false);
      if (this.filterPanel.parentNode !== this.layout) this.layout.insertBefore(this.filterPanel, this.results);
    } else if (this.filterPanel.parentNode !== this.dialogBody) {
      this.dialogBody.appendChild(this.filterPanel);
    }
  };

  SearchPage.prototype.openFilters = function () {
    var dialog = this.dialog;
    if (dialog.open) return;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    var first = this.facetBox.querySelector("input, button, summary");
    if (first) first.focus();
  };

  /** Close the filters' dialog; ``toResults``: onto the results (their heading takes the
   * focus, scrolled to the top of the screen if it is not in its upper half), else back
   * to the button that opened it. */
  SearchPage.prototype.closeFilters = function (toResults) {
    var dialog = this.dialog;
    if (!dialog.open) return;
    if (typeof dialog.close === "function") dialog.close();
    else dialog.removeAttribute("open");
    if (toResults) {
      var top = this.results.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight / 2) this.results.scrollIntoView({ block: "start" });
      this.resultsHeading.focus({ preventScroll: true });
    } else if (this.filterButton.offsetParent) {
      this.filterButton.focus();
    } else {
      this.resultsHeading.focus({ preventScroll: true }); // the screen has just widened
    }
  };

  SearchPage.prototype.fillForm = function () {
    this.input.value = this.state.q;
    if (this.sortSelect) this.sortSelect.value = this.state.sort;
  };

  /** Change the state, record it in the URL ("push", "replace" or null) and search. */
  SearchPage.prototype.update = function (changes, how) {
    var self = this;
    Object.keys(changes).forEach(function (k) { self.state[k] = changes[k]; });
    var query = queryFromState(this.state);
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (how === "push") window.history.pushState(null, "", url);
    else if (how === "replace") window.history.replaceState(null, "", url);
    this.run(how);
  };

  SearchPage.prototype.run = function () {
    var self = this;
    var seq = ++this.seq;
    var state = JSON.parse(JSON.stringify(this.state));
    this.results.setAttribute("aria-busy", "true");
    var answer = this.mode === "static" ? Promise.reject({ fallback: true }) : this.askService(state);
    answer
      .catch(function (err) {
        if (err && err.badRequest) throw err;
        // No service here: search the static index from now on. A service that has
        // answered before and fails once is asked again next time.
        if (self.mode !== "api") self.mode = "static";
        if (!window.KBStatic) throw new Error("search_static.js is not loaded");
        return window.KBStatic.open(self.staticUrl).then(function (engine) {
          return engine.search(state, {
            pageSize: self.pageSize, labels: self.labels, first: FIRST_DRAWN,
            sort: self.explore || !hasWords(state.q) ? STATIC_SORTS[state.sort || ""] : null,
          });
        });
      })
      .then(function (data) {
        if (seq !== self.seq) return; // a newer search has started
        self.render(state, data);
        self.announce(state, data);
      })
      .catch(function (err) {
        if (seq !== self.seq) return;
        self.showError(err && err.badRequest
          ? err.message
          : "Search is not available: neither the search service nor the site's static index could be loaded.");
      })
      .then(function () {
        if (seq === self.seq) self.results.removeAttribute("aria-busy");
      });
  };

  /** The service's answer, or a rejection: {badRequest, message} for a 400, else fallback. */
  SearchPage.prototype.askService = function (state) {
    var self = this;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, API_TIMEOUT_MS) : null;
    var url = new URL(this.api, document.baseURI);
    url.search = queryFromState(state, { page_size: String(this.pageSize) });
    return fetch(url.href, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
      .then(function (res) {
        var type = res.headers.get("content-type") || "";
        if (res.status === 400 && type.indexOf("json") >= 0) {
          return res.json().then(function (body) {
            throw { badRequest: true, message: "The search could not run: " + String(body.error || "bad request") };
          });
        }
        if (!res.ok || type.indexOf("application/json") < 0) throw { fallback: true };
        return res.json();
      })
      .then(function (data) {
        if (!data || typeof data.total !== "number" || !Array.isArray(data.hits)) throw { fallback: true };
        self.mode = "api";
        data.mode = "api";
        return data;
      })
      .finally(function () { if (timer) clearTimeout(timer); });
  };

  /* For result_export.js ("Download these results"): the shown result set, as
   * root.kbResults and a "kb-results" event, with a way to list every key in it. */
  SearchPage.prototype.announce = function (state, data) {
    var self = this;
    var detail = {
      mode: data.mode, total: data.total, siteRoot: this.siteRoot,
      keys: function (limit) { return self.allKeys(state, data.mode, limit); },
    };
    this.root.kbResults = detail;
    this.root.dispatchEvent(new CustomEvent("kb-results", { detail: detail }));
  };

  /** The keys of the first ``limit`` results of ``state``, in the order shown. */
  SearchPage.prototype.allKeys = function (state, mode, limit) {
    var self = this;
    var first = Object.assign({}, state, { page: 1 });
    function keysOf(hits) { return hits.map(function (hit) { return String(hit.key); }); }
    if (mode === "api") {
      var size = 100; // the service's largest page (search/engine.py MAX_PAGE_SIZE)
      var fetchPage = function (page, keys) {
        var url = new URL(self.api, document.baseURI);
        url.search = queryFromState(Object.assign({}, first, { page: page }), { page_size: String(size) });
        return fetch(url.href, { headers: { Accept: "application/json" } })
          .then(function (res) {
            if (!res.ok) throw new Error("the search service answered " + res.status);
            return res.json();
          })
          .then(function (d) {
            keys = keys.concat(keysOf(d.hits || []));
            return page < d.pages && keys.length < limit ? fetchPage(page + 1, keys) : keys.slice(0, limit);
          });
      };
      return fetchPage(1, []);
    }
    return window.KBStatic.open(this.staticUrl).then(function (engine) {
      return engine.search(first, {
        pageSize: limit, labels: self.labels,
        sort: self.explore || !hasWords(state.q) ? STATIC_SORTS[state.sort || ""] : null,
      });
    }).then(function (d) { return keysOf(d.hits); });
  };

  SearchPage.prototype.absorbLabels = function (labels) {
    var self = this;
    Object.keys(labels || {}).forEach(function (field) {
      self.labels[field] = Object.assign(self.labels[field] || {}, labels[field]);
    });
  };

  SearchPage.prototype.label = function (field, value) {
    return (this.labels[field] && this.labels[field][value]) || String(value);
  };

  SearchPage.prototype.render = function (state, data) {
    var self = this;
    Object.keys(data.facets || {}).forEach(function (field) {
      (data.facets[field] || []).forEach(function (item) {
        if (item && item.label) {
          self.labels[field] = self.labels[field] || {};
          self.labels[field][String(item.value)] = String(item.label);
        }
      });
    });
    this.modeNote.textContent = this.explore
      ? "Every entry in the knowledge base, from the site's static index: narrow the list with the filters, or search its full text."
      : data.mode === "static"
      ? "Searching the full text of every entry in your browser (the site's static index; no search service here). Quote a whole query for a phrase; OR and NOT need the search service."
      : "Searching the full text of every entry with the search service.";
    this.modeNote.className = "kb-mode kb-mode-" + data.mode;
    this.renderStatus(state, data);
    this.renderMessage(state, data);
    this.renderFacets(state, data);
    this.renderHits(data);
    this.renderPager(data);
    this.renderPrintLink(data);
  };

  /** "Print these cards": the practice cards among the shown results, as a meeting pack
   * (print-pack.html, sphinxext/print_pack.py) whose URL holds their IDs. */
  SearchPage.prototype.renderPrintLink = function (data) {
    var box = this.printLink;
    while (box.firstChild) box.removeChild(box.firstChild);
    var ids = (data.hits || []).filter(function (hit) { return hit.type === "practice"; })
      .map(function (hit) { return String(hit.key); });
    box.hidden = !ids.length;
    if (!ids.length) return;
    var url = new URL("print-pack.html", this.siteRoot);
    url.search = "cards=" + ids.map(encodeURIComponent).join(",");
    var text = ids.length === 1 ? "Print this card" : "Print these " + ids.length + " cards";
    box.appendChild(el("a", { href: url.href, className: "kb-print-these-link", text: text }));
    box.appendChild(document.createTextNode(" (each on its own page)"));
  };

  SearchPage.prototype.renderStatus = function (state, data) {
    var n = data.total;
    var text = n === 0 ? "No results" : n === 1 ? "1 result" : n.toLocaleString("en") + " results";
    if (state.q) text += " for \u201c" + state.q + "\u201d";
    if (hasFilters(state)) text += " with the chosen filters";
    if (data.pages > 1) text += ", page " + data.page + " of " + data.pages;
    this.status.textContent = text + ".";
    // The filters' dialog says what its choices give, and its button shows them.
    var chosen = chosenFilters(state);
    var counted = n === 0 ? "No results" : n === 1 ? "1 result" : n.toLocaleString("en") + " results";
    this.dialogLive.textContent = counted + (chosen ? " with " + (chosen === 1 ? "1 filter" : chosen + " filters") + " chosen." : ".");
    this.showButton.textContent = n === 0 ? "Close: no results" : "Show " + counted;
  };

  SearchPage.prototype.renderMessage = function (state, data) {
    var self = this;
    var box = this.message;
    while (box.firstChild) box.removeChild(box.firstChild);
    box.removeAttribute("role");
    if (data.suggestion) {
      var link = el("a", { href: "?" + queryFromState(Object.assign({}, state, { q: data.suggestion, page: 1 })) },
        [data.suggestion]);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        self.input.value = data.suggestion;
        self.update({ q: data.suggestion, page: 1 }, "push");
      });
      box.appendChild(el("p", { className: "kb-suggestion" }, ["Did you mean ", link, "?"]));
    }
    if (data.note) box.appendChild(el("p", { className: "kb-note", text: data.note }));
  };

  SearchPage.prototype.showError = function (message) {
    if (this.status.textContent === "Searching\u2026") this.status.textContent = "";
    while (this.message.firstChild) this.message.removeChild(this.message.firstChild);
    this.message.setAttribute("role", "alert");
    this.message.appendChild(el("p", { className: "kb-error", text: message }));
  };

  SearchPage.prototype.renderFacets = function (state, data) {
    var self = this;
    var box = this.facetBox;
    var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    while (box.firstChild) box.removeChild(box.firstChild);
    FACETS.forEach(function (f) {
      var items = (data.facets && data.facets[f.field]) || [];
      if (!items.length) return;
      var list = el("ul", { className: "kb-facet-values" });
      items.forEach(function (item) {
        var value = String(item.value);
        // Stable ids (facet and value), so focus returns to the box just ticked.
        var id = "kb-f-" + f.param + "-" + value.replace(/[^A-Za-z0-9_-]/g, "_");
        var checkbox = el("input", { type: "checkbox", id: id, name: f.param, value: value });
        checkbox.checked = state[f.param].indexOf(value) >= 0;
        checkbox.addEventListener("change", function () {
          var values = self.state[f.param].filter(function (v) { return v !== value; });
          if (checkbox.checked) values.push(value);
          var change = { page: 1 };
          change[f.param] = values;
          self.update(change, "push");
        });
        list.appendChild(el("li", null, [
          checkbox,
          el("label", { for: id }, [
            el("span", { className: "kb-facet-label", text: self.label(f.field, value) }),
            " ",
            el("span", { className: "kb-facet-count", text: "(" + item.count + ")" }),
          ]),
        ]));
      });
      box.appendChild(el("fieldset", { className: "kb-facet kb-facet-" + f.field }, [
        el("legend", { text: f.legend }), list,
      ]));
    });
    box.appendChild(this.yearFieldset(state, data));
    var chosen = chosenFilters(state);
    this.filterButton.textContent = chosen ? "Filters (" + chosen + " chosen)" : "Filters";
    this.dialogTitle.textContent = chosen ? "Filters (" + chosen + " chosen)" : "Filters";
    if (hasFilters(state)) {
      var clear = el("button", { type: "button", className: "kb-button kb-clear", id: "kb-clear", text: "Clear all filters" });
      clear.addEventListener("click", function () {
        self.update(noFilters(), "push");
        if (!self.dialog.open) self.input.focus();
      });
      box.appendChild(clear);
    }
    if (focused) {
      var again = document.getElementById(focused);
      if (again) again.focus();
      else if (this.dialog.open) this.showButton.focus(); // the last filter, cleared
    }
    this.renderChips(state);
  };

  /** The chosen filters as buttons that each remove one ("Tenet: Collective learning"). */
  SearchPage.prototype.renderChips = function (state) {
    var self = this;
    var box = this.chips;
    var focused = document.activeElement && box.contains(document.activeElement)
      ? Array.prototype.indexOf.call(box.querySelectorAll("button"), document.activeElement) : -1;
    while (box.firstChild) box.removeChild(box.firstChild);
    function chip(name, text, change) {
      var button = el("button", { type: "button", className: "kb-chip", "aria-label": "Remove the filter " + name + ": " + text }, [
        el("span", { className: "kb-chip-text", text: text }),
        el("span", { className: "kb-chip-x", "aria-hidden": "true", text: "\u00d7" }),
      ]);
      button.addEventListener("click", function () {
        change.page = 1;
        self.update(change, "push");
      });
      box.appendChild(el("li", null, [button]));
    }
    FACETS.forEach(function (f) {
      state[f.param].forEach(function (value) {
        var change = {};
        change[f.param] = state[f.param].filter(function (v) { return v !== value; });
        chip(f.legend, self.label(f.field, value), change);
      });
    });
    if (state.year_from || state.year_to) {
      var years = state.year_from && state.year_to
        ? (state.year_from === state.year_to ? String(state.year_from) : state.year_from + "\u2013" + state.year_to)
        : state.year_from ? "from " + state.year_from : "to " + state.year_to;
      chip("Year", years, { year_from: null, year_to: null });
    }
    box.hidden = !box.firstChild;
    if (focused >= 0) {
      // Focus stays in the row (the next chip), or goes to the filters' button.
      var buttons = box.querySelectorAll("button");
      if (buttons.length) buttons[Math.min(focused, buttons.length - 1)].focus();
      else if (getComputedStyle(this.filterButton).display !== "none") this.filterButton.focus();
      else this.resultsHeading.focus();
    }
  };

  SearchPage.prototype.yearFieldset = function (state, data) {
    var self = this;
    var from = el("input", { type: "number", id: "kb-year-from", inputmode: "numeric", min: "1", max: "9999", step: "1" });
    var to = el("input", { type: "number", id: "kb-year-to", inputmode: "numeric", min: "1", max: "9999", step: "1" });
    from.value = state.year_from ? String(state.year_from) : "";
    to.value = state.year_to ? String(state.year_to) : "";
    function changed() {
      self.update({ year_from: toYear(from.value), year_to: toYear(to.value), page: 1 }, "push");
    }
    from.addEventListener("change", changed);
    to.addEventListener("change", changed);
    var years = (data.facets && data.facets.year) || [];
    var children = [
      el("legend", { text: "Year" }),
      el("div", { className: "kb-year-range" }, [
        el("label", { for: "kb-year-from", text: "From" }), from,
        el("label", { for: "kb-year-to", text: "To" }), to,
      ]),
    ];
    if (years.length) {
      var list = el("ul", { className: "kb-year-counts" });
      years.forEach(function (item) {
        var year = Number(item.value);
        var button = el("button", { type: "button", className: "kb-year-button", "aria-label": "Only " + year + ", " + item.count + " entries" },
          [String(year) + " (" + item.count + ")"]);
        button.addEventListener("click", function () {
          self.update({ year_from: year, year_to: year, page: 1 }, "push");
        });
        list.appendChild(el("li", null, [button]));
      });
      children.push(el("details", { className: "kb-years" }, [el("summary", { text: "Entries per year" }), list]));
    }
    return el("fieldset", { className: "kb-facet kb-facet-year" }, children);
  };

  SearchPage.prototype.safeHref = function (url) {
    try {
      var resolved = new URL(String(url || ""), this.siteRoot);
      return ["http:", "https:", "file:"].indexOf(resolved.protocol) >= 0 ? resolved.href : null;
    } catch (e) {
      return null;
    }
  };

  SearchPage.prototype.hitItem = function (hit, data) {
    var self = this;
    var href = this.safeHref(hit.url);
    var title = href ? el("a", { href: href, text: hit.title }) : el("span", { text: hit.title });
    var badges = el("p", { className: "kb-badges" }, [
      el("span", { className: "kb-badge kb-badge-type kb-type-" + String(hit.type).replace(/[^a-z-]/g, ""), text: this.label("type", hit.type) }),
    ]);
    if (hit.type === "practice") badges.appendChild(el("span", { className: "kb-badge kb-badge-id", text: hit.key }));
    if (hit.year) badges.appendChild(el("span", { className: "kb-badge kb-badge-year", text: String(hit.year) }));
    (hit.tenets || []).forEach(function (t) {
      badges.appendChild(el("span", { className: "kb-badge kb-badge-tenet", text: self.label("tenets", t) }));
    });
    var snippet = el("p", { className: "kb-snippet" });
    if (data.mode !== "static") snippet.appendChild(snippetNodes(hit.snippet));
    else if (hit.excerpt && !data.note && (data.words || []).length) snippet.appendChild(snippetNodes(hit.excerpt));
    else snippet.appendChild(markedText(hit.summary || String(hit.content || "").slice(0, 240), data.words || []));
    return el("li", { className: "kb-hit" }, [el("h3", { className: "kb-hit-title" }, [title]), badges, snippet]);
  };

  SearchPage.prototype.renderHits = function (data) {
    var self = this;
    var list = this.list;
    while (list.firstChild) list.removeChild(list.firstChild);
    list.setAttribute("start", String((data.page - 1) * (data.page_size || this.pageSize) + 1));
    data.hits.forEach(function (hit) { list.appendChild(self.hitItem(hit, data)); });
    list.removeAttribute("aria-busy");
    if (data.later) {
      // The static index's other hits of this page, below the ones drawn first: the
      // list is busy until they are in.
      var seq = this.seq;
      list.setAttribute("aria-busy", "true");
      data.later.then(function (more) {
        if (seq !== self.seq) return;
        more.forEach(function (hit) { list.appendChild(self.hitItem(hit, data)); });
        data.hits = data.hits.concat(more);
        self.renderPrintLink(data);
      }).catch(function (err) {
        if (window.console) console.error("static search: the page's other results", err);
      }).then(function () {
        if (seq === self.seq) list.removeAttribute("aria-busy");
      });
    }
    var near = this.nearest;
    while (near.firstChild) near.removeChild(near.firstChild);
    var nearest = Array.isArray(data.nearest) ? data.nearest : [];
    near.hidden = !nearest.length || data.hits.length > 0;
    if (!near.hidden) {
      var why = data.nearest_reason === "spelling" && data.suggestion
        ? "Nearest entries, for \u201c" + data.suggestion + "\u201d:"
        : data.nearest_reason === "filters" ? "Nearest entries, outside the chosen filters:" : "Nearest entries:";
      near.appendChild(el("h3", { className: "kb-nearest-heading", text: why }));
      var ul = el("ul", { className: "kb-hits kb-nearest-hits" });
      nearest.forEach(function (hit) { ul.appendChild(self.hitItem(hit, data)); });
      near.appendChild(ul);
    }
  };

  SearchPage.prototype.renderPager = function (data) {
    var self = this;
    var pager = this.pager;
    while (pager.firstChild) pager.removeChild(pager.firstChild);
    if (data.pages <= 1) {
      pager.hidden = true;
      return;
    }
    pager.hidden = false;
    function link(page, text, rel) {
      var a = el("a", { href: "?" + queryFromState(Object.assign({}, self.state, { page: page })), rel: rel, text: text });
      a.addEventListener("click", function (event) {
        event.preventDefault();
        self.update({ page: page }, "push");
        self.resultsHeading.focus();
      });
      return a;
    }
    var items = [];
    if (data.page > 1) items.push(link(data.page - 1, "Previous page", "prev"));
    items.push(el("span", { className: "kb-page-of", text: "Page " + data.page + " of " + data.pages }));
    if (data.page < data.pages) items.push(link(data.page + 1, "Next page", "next"));
    var ul = el("ul", null, items.map(function (item) { return el("li", null, [item]); }));
    pager.appendChild(ul);
  };

  function start() {
    var root = document.getElementById("kb-search");
    if (root && !root.kbSearch) root.kbSearch = new SearchPage(root);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
