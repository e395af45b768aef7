/* Equity KB static search: the site's Pagefind index (kb-search/), queried in the
 * browser with no server, answering in the shape /api/search answers in, so the search
 * page draws both the same way.
 *
 * Pagefind finds the entries holding every word (or a "quoted phrase"), ranked. On top
 * of it, as the search service does:
 * - facets: values of one facet OR, facets AND, each facet counted over the result of the
 *   others. Pagefind counts only with every filter applied, so the page learns once which
 *   entries carry each facet value (one filter-only search per value, no words loaded)
 *   and counts over the matched entries itself;
 * - questions: common words are left out; when fewer than three entries have every word,
 *   the entries with the most (and rarest) of them follow, with a note saying so;
 * - no results: the nearest entries (outside the filters, or for a suggested spelling)
 *   and "did you mean", from words.json, fetched only then.
 *
 * window.KBStatic.open(baseUrl) -> Promise<engine>; engine.search(state, options).
 */
(function () {
  "use strict";

  var FACETS = ["type", "tenet", "focus", "level"];
  // The facet names of the service's answer, per URL parameter.
  var FIELD = { type: "type", tenet: "tenets", focus: "focus", level: "levels", year: "year" };
  // Words that say nothing about the topic of a question: the service's own list
  // (search/schema.py QUERY_STOP_WORDS), which the page carries; a short one otherwise.
  var stopList = null;
  function stopwords() {
    if (stopList) return stopList;
    var node = document.getElementById("kb-search-stopwords");
    try {
      var list = node ? JSON.parse(node.textContent || "[]") : [];
      if (Array.isArray(list) && list.length) return (stopList = list.map(String));
    } catch (e) { /* the short list below */ }
    return "a an and are as at be by for from how in is it of on or the to what with".split(" ");
  }
  var OPERATORS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"];
  var MAX_WORDS = 8;
  // Fewer entries than this with every word, and those with most of the words follow
  // (the service's WIDEN_BELOW, search/snapshot.py).
  var WIDEN_BELOW = 3;
  var NEAREST = 5;

  function contentWords(q) {
    var all = String(q || "").replace(/["()]/g, " ").split(/\s+/).filter(function (w) {
      return w && OPERATORS.indexOf(w) < 0;
    }).map(function (w) { return w.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""); })
      .filter(Boolean);
    var kept = all.filter(function (w) { return stopwords().indexOf(w) < 0; });
    return { all: all, words: (kept.length ? kept : all).slice(0, MAX_WORDS), dropped: all.length - kept.length };
  }

  function isPhrase(q) { return /^\s*".+"\s*$/.test(q || ""); }

  /* ---------------------------------------------------------------- spelling */

  function distance(a, b, limit) {
    // Levenshtein with a cut-off: suggestions are a letter or two away.
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev[j] = j;
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (cur[j] < best) best = cur[j];
      }
      if (best > limit) return limit + 1;
      prev = cur;
    }
    return prev[b.length];
  }

  /* ---------------------------------------------------------------- the engine */

  function Engine(base, pagefind) {
    this.base = base;
    this.pf = pagefind;
    this.table = null; // id -> {type: [...], tenet: [...], ..., year: [...]}
    this.wordList = null;
    this.pageCount = 0;
  }

  /** Which entries carry each facet value: once per page, from filter-only searches. */
  Engine.prototype.facetTable = function () {
    var self = this;
    if (!this.table) {
      this.table = this.pf.filters().then(function (totals) {
        var jobs = [];
        var table = {};
        Object.keys(totals || {}).forEach(function (facet) {
          Object.keys(totals[facet]).forEach(function (value) {
            var filters = {};
            filters[facet] = value;
            jobs.push(self.pf.search(null, { filters: filters }).then(function (found) {
              found.results.forEach(function (r) {
                var row = table[r.id] || (table[r.id] = {});
                (row[facet] || (row[facet] = [])).push(value);
              });
            }));
          });
        });
        return Promise.all(jobs).then(function () {
          self.pageCount = Object.keys(table).length;
          return { table: table, totals: totals };
        });
      });
      this.table.catch(function () { self.table = null; });
    }
    return this.table;
  };

  Engine.prototype.words = function () {
    var self = this;
    if (!this.wordList) {
      this.wordList = fetch(this.base + "words.json", { headers: { Accept: "application/json" } })
        .then(function (res) { return res.ok ? res.json() : { words: [] }; })
        .then(function (data) {
          var map = {};
          (data.words || []).forEach(function (pair) { map[pair[0]] = pair[1]; });
          return { list: data.words || [], map: map };
        })
        .catch(function () { return { list: [], map: {} }; });
    }
    return this.wordList;
  };

  /** A spelling that finds entries for each word that finds none, or null. */
  Engine.prototype.suggest = function (words, missing) {
    return this.words().then(function (known) {
      var changed = false;
      var out = words.map(function (w) {
        if (missing.indexOf(w) < 0 || known.map[w]) return w;
        var limit = w.length <= 4 ? 1 : 2, best = null, bestD = limit + 1, bestN = 0;
        known.list.forEach(function (pair) {
          var d = distance(w, pair[0], limit);
          if (d < bestD || (d === bestD && d <= limit && pair[1] > bestN)) { best = pair[0]; bestD = d; bestN = pair[1]; }
        });
        if (best && bestD <= limit) { changed = true; return best; }
        return w;
      });
      return changed ? out.join(" ") : null;
    });
  };

  /**
   * Pagefind's ranked results for ``term`` (null: every entry), in ``sort`` order.
   * ``words``: check them against the best result. Pagefind falls back to the longest
   * indexed prefix of a word it does not know ("disiplne" finds an initial "D."), so a
   * result counts only if each word is close to a word it matched; else none do.
   */
  Engine.prototype.find = function (term, sort, words) {
    var options = sort ? { sort: sort } : {};
    return this.pf.search(term, options).then(function (found) {
      var results = found.results;
      if (!words || !words.length || !results.length) return results;
      return results[0].data().then(function (d) {
        var tokens = String(d.content || "").split(/\s+/);
        var matched = (d.locations || []).map(function (i) {
          return String(tokens[i] || "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
        });
        var ok = words.every(function (w) {
          var head = w.slice(0, Math.max(3, w.length - 3));
          return matched.some(function (t) {
            return t.indexOf(head) === 0 || (w.indexOf(t) === 0 && t.length >= w.length - 3 && t.length >= 3);
          });
        });
        return ok ? results : [];
      });
    });
  };

  /**
   * The ranked entries for the words: every word if some entry has them all, else the
   * entries with the most of them, rarer words counting more (their idf), Pagefind's
   * score breaking ties. Resolves {ranked: [{id, score, data}], partial, missing}.
   */
  Engine.prototype.match = function (state, sort) {
    var self = this;
    var q = String(state.q || "").trim();
    var parsed = contentWords(q);
    if (!q || !parsed.words.length) {
      return this.find(null, sort).then(function (results) {
        return { ranked: results, partial: false, missing: [], words: [] };
      });
    }
    var term = isPhrase(q) ? q : parsed.words.join(" ");
    return this.find(term, sort, isPhrase(q) ? null : parsed.words).then(function (results) {
      if (results.length >= WIDEN_BELOW || parsed.words.length < 2 || isPhrase(q)) {
        return { ranked: results, partial: false, few: false, missing: results.length ? [] : parsed.words, words: parsed.words };
      }
      var full = results.length;
      return Promise.all(parsed.words.map(function (w) { return self.find(w, null, [w]); }))
        .then(function (perWord) {
          var total = Math.max(self.pageCount, 1);
          var byId = {};
          var missing = [];
          perWord.forEach(function (found, i) {
            if (!found.length) missing.push(parsed.words[i]);
            var idf = Math.log(1 + total / Math.max(found.length, 1));
            found.forEach(function (r) {
              var row = byId[r.id] || (byId[r.id] = { result: r, weight: 0, score: 0, n: 0 });
              row.weight += idf;
              row.score += r.score;
              row.n += 1;
            });
          });
          var rows = Object.keys(byId).map(function (id) { return byId[id]; });
          // Entries with every word match the most words, so they still come first.
          rows.sort(function (a, b) { return b.n - a.n || b.weight - a.weight || b.score - a.score; });
          return {
            ranked: rows.map(function (r) { return r.result; }), partial: rows.length > full,
            few: full > 0, missing: missing, words: parsed.words,
          };
        });
    });
  };

  /**
   * Search like the service: ``state`` uses URL names ({q, type: [], tenet: [], focus: [],
   * level: [], year_from, year_to, page}); resolves {mode: "static", total, hits, facets,
   * page, pages, page_size, note, suggestion, nearest, words}.
   */
  Engine.prototype.search = function (state, options) {
    var self = this;
    var pageSize = (options && options.pageSize) || 20;
    var labels = (options && options.labels) || {};
    var sort = options && options.sort;
    var table = null;
    return this.facetTable().then(function (facetData) {
      table = facetData.table;
      return self.match(state, sort);
    }).then(function (matched) {
      var lo = state.year_from || 0, hi = state.year_to || 10000;
      var chosen = {};
      FACETS.forEach(function (f) { if ((state[f] || []).length) chosen[f] = state[f]; });
      var yearTest = state.year_from || state.year_to;
      function passes(id, except) {
        var row = table[id] || {};
        var ok = Object.keys(chosen).every(function (f) {
          return f === except || (row[f] || []).some(function (v) { return chosen[f].indexOf(v) >= 0; });
        });
        if (ok && yearTest && except !== "year") {
          ok = (row.year || []).some(function (y) { return Number(y) >= lo && Number(y) <= hi; });
        }
        return ok;
      }
      var facets = {};
      FACETS.concat(["year"]).forEach(function (f) {
        var counts = {};
        matched.ranked.forEach(function (r) {
          if (!passes(r.id, f)) return;
          ((table[r.id] || {})[f] || []).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
        });
        (chosen[f] || []).forEach(function (v) { if (!(v in counts)) counts[v] = 0; });
        var names = labels[FIELD[f]] || {};
        var order = Object.keys(names);
        facets[FIELD[f]] = Object.keys(counts).map(function (v) {
          return { value: f === "year" ? Number(v) : v, label: names[v] || v, count: counts[v], selected: (chosen[f] || []).indexOf(v) >= 0 };
        }).sort(f === "year"
          ? function (a, b) { return b.value - a.value; }
          : function (a, b) {
            var ia = order.indexOf(String(a.value)), ib = order.indexOf(String(b.value));
            ia = ia < 0 ? order.length : ia;
            ib = ib < 0 ? order.length : ib;
            return ia - ib || b.count - a.count || String(a.value).localeCompare(String(b.value));
          });
      });
      var results = matched.ranked.filter(function (r) { return passes(r.id, null); });
      var pages = Math.max(1, Math.ceil(results.length / pageSize));
      var page = Math.min(Math.max(1, state.page || 1), pages);
      var shown = results.slice((page - 1) * pageSize, page * pageSize);
      var answer = {
        mode: "static", total: results.length, page: page, pages: pages, page_size: pageSize,
        facets: facets, words: matched.words, note: null, suggestion: null, nearest: [],
        nearest_reason: null, partial: matched.partial && results.length > 0,
      };
      if (matched.partial && results.length) {
        answer.note = matched.few
          ? "Few entries have all of your words; after them come entries that match most of them."
          : "No entry has all of your words; showing entries that match most of them.";
      }
      var extra = [self.hits(shown, matched.words)];
      if (!results.length && matched.ranked.length) {
        // The words match, the filters leave nothing: the nearest entries, unfiltered.
        answer.nearest_reason = "filters";
        extra.push(self.hits(matched.ranked.slice(0, NEAREST), matched.words));
      } else if (!results.length && matched.missing.length) {
        extra.push(self.suggest(matched.words, matched.missing).then(function (suggestion) {
          answer.suggestion = suggestion;
          if (!suggestion) return [];
          answer.nearest_reason = "spelling";
          return self.match({ q: suggestion }, null).then(function (again) {
            return self.hits(again.ranked.slice(0, NEAREST), contentWords(suggestion).words);
          });
        }));
      }
      return Promise.all(extra).then(function (drawn) {
        answer.hits = drawn[0];
        answer.nearest = drawn[1] || [];
        return answer;
      });
    });
  };

  /** The shown results' data (one fragment each), as the service's hits. */
  Engine.prototype.hits = function (results, words) {
    return Promise.all(results.map(function (r) { return r.data(); })).then(function (all) {
      return all.map(function (d) {
        var meta = d.meta || {};
        var year = parseInt(meta.year || "", 10);
        return {
          key: meta.key || "", type: meta.type || "", title: meta.title || d.url || "",
          url: meta.url || "", year: year > 0 ? year : null,
          tenets: meta.tenets ? String(meta.tenets).split(",") : [],
          summary: meta.summary || "",
          // Pagefind's excerpt marks the words it matched; a partial match marks each
          // word of the query in the summary instead.
          excerpt: d.excerpt || "", content: d.content || "", words: words,
        };
      });
    });
  };

  var opened = {};

  window.KBStatic = {
    contentWords: contentWords,
    /** The engine for the Pagefind bundle at ``base`` (a URL ending in "/"), once. */
    open: function (base) {
      if (!opened[base]) {
        opened[base] = import(base + "pagefind.js").then(function (pagefind) {
          return pagefind.options({ excerptLength: 30, ranking: {termSaturation: 0.8, pageLength: 0.9} }).then(function () {
            return pagefind.init();
          }).then(function () { return new Engine(base, pagefind); });
        });
        opened[base].catch(function () { delete opened[base]; });
      }
      return opened[base];
    },
  };
})();
