/* Equity KB static search: the site's Pagefind index (kb-search/), queried in the
 * browser with no server, answering in the shape /api/search answers in, so the search
 * page draws both the same way.
 *
 * Pagefind finds the entries holding every word (or a "quoted phrase"), ranked. On top
 * of it, as the search service does:
 * - facets: values of one facet OR, facets AND, each facet counted over the result of the
 *   others: Pagefind counts with every filter applied, so each facet with choices gets
 *   one more search without its own;
 * - questions: common words are left out; when fewer than three entries have every word,
 *   the entries with the most (and rarest) of them follow, with a note saying so;
 * - no results: the nearest entries (outside the filters, or for a suggested spelling)
 *   and "did you mean", from words.json, fetched only then.
 *
 * window.KBStatic.open(baseUrl) -> Promise<engine>; engine.search(state, options).
 */
(function () {
  "use strict";

  var FACETS = ["type", "tenet", "focus", "level", "evidence"];
  // The facet names of the service's answer, per URL parameter.
  var FIELD = { type: "type", tenet: "tenets", focus: "focus", level: "levels", evidence: "evidence", year: "year" };
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

  /** A page's sort key, as search/static_index.py static_record writes it. */
  var TYPE_RANK = { practice: "0", brief: "1", reference: "2" };
  function sortKey(meta, name) {
    var title = String(meta.title || "").toLowerCase();
    var year = parseInt(meta.year || "", 10);
    var has = year > 0 && year < 10000;
    var pad = function (n) { return ("0000" + n).slice(-4); };
    if (name === "order") return (TYPE_RANK[meta.type] || "9") + title;
    if (name === "newest") return (has ? pad(9999 - year) : "9999") + " " + title;
    if (name === "oldest") return (has ? pad(year) : "9999") + " " + title;
    return title;
  }

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

  // Every record ends with this word (search/static_index.py), so a search for it is a
  // search for every entry that loads one index chunk: Pagefind 1.5.2 loads every
  // chunk of the index for a search with no words (6.9 MB at 13,500 entries).
  var EVERY = "kbentryall";
  // A partial match (few entries with every word) counts the entries with any of the
  // rarest words; the others only rank. Counts are exact by inclusion-exclusion over
  // the subsets of these words: 2^n - 1 searches per facet counted.
  var COUNTED_WORDS = 3;
  var CACHED = 64;
  var TITLE_WEIGHT = 15;

  function Engine(base, pagefind, delta) {
    this.base = base;
    this.pf = pagefind;
    this.wordList = null;
    this.memo = new Map(); // Pagefind's answers, by search (see cached)
    this.years = null; // every year some entry has (for year ranges); set by open()
    // A delta bundle over a large base (search/static_index.py write_delta): the base
    // pages it replaces are hidden, and their stale facet values taken off the counts.
    delta = delta || {};
    this.hidden = {};
    this.fix = delta.fix || {};
    this.fresh = {};
    var self = this;
    (delta.hide || []).forEach(function (id) { self.hidden[id] = true; });
    (delta.ids || []).forEach(function (id) { self.fresh[id] = true; });
  }

  /** The results and counts of a Pagefind search with the delta's replaced pages out. */
  Engine.prototype.clean = function (found) {
    var self = this;
    // A copy: ``found`` may be a cached answer, cleaned again by the next search.
    var counts = {};
    Object.keys(found.filters || {}).forEach(function (f) {
      counts[f] = Object.assign({}, found.filters[f]);
    });
    var results = found.results.filter(function (r) {
      var stale = self.fix[r.id];
      Object.keys(stale || {}).forEach(function (f) {
        (stale[f] || []).forEach(function (v) {
          if (counts[f] && counts[f][v]) counts[f][v] -= 1;
        });
      });
      return !self.hidden[r.id];
    });
    return { results: results, counts: counts };
  };

  /**
   * A sorted list with the delta's pages where the sort puts them. Pagefind orders a
   * merged search by score, which for a sorted search is minus the rank within each
   * bundle: the base's pages stay in order, and each delta page is placed by comparing
   * sort keys (from the pages' data) by bisection over them.
   */
  Engine.prototype.placeFresh = function (results, sort) {
    var self = this;
    var fresh = results.filter(function (r) { return self.fresh[r.id]; });
    if (!fresh.length || !sort) return Promise.resolve(results);
    var name = Object.keys(sort)[0];
    var desc = sort[name] === "desc";
    var base = results.filter(function (r) { return !self.fresh[r.id]; });
    function key(r) { return r.data().then(function (d) { return sortKey(d.meta || {}, name); }); }
    function before(a, b) { return desc ? a > b : a < b; }
    return fresh.reduce(function (done, r) {
      return done.then(function (list) {
        return key(r).then(function (k) {
          var lo = 0, hi = list.length;
          function step() {
            if (lo >= hi) { list.splice(lo, 0, r); return list; }
            var mid = (lo + hi) >> 1;
            return key(list[mid]).then(function (km) {
              if (before(km, k) || km === k) lo = mid + 1; else hi = mid;
              return step();
            });
          }
          return step();
        });
      });
    }, Promise.resolve(base));
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
   * Pagefind's answer for ``term`` and ``options``, kept for the last CACHED searches:
   * a question's words, each facet's counts and the next page ask for the same
   * searches again, and one over thousands of entries is hundreds of milliseconds.
   */
  Engine.prototype.cached = function (term, options) {
    var key = JSON.stringify([term, options]);
    var hit = this.memo.get(key);
    if (hit) {
      this.memo.delete(key);
    } else {
      hit = this.pf.search(term, options);
      var memo = this.memo;
      hit.catch(function () { memo.delete(key); });
    }
    this.memo.set(key, hit); // most recent last
    if (this.memo.size > CACHED) this.memo.delete(this.memo.keys().next().value);
    return hit;
  };

  /**
   * One Pagefind search: {results, counts}. ``words``: check them against the best
   * result. Pagefind falls back to the longest indexed prefix of a word it does not know
   * ("disiplne" finds an initial "D."), so a result counts only if each word is close
   * to a word it matched; else nothing does.
   */
  Engine.prototype.find = function (term, filters, sort, words) {
    var options = { filters: filters || {} };
    if (sort) options.sort = sort;
    var self = this;
    return this.cached(term, options).then(function (found) {
      // Pagefind counts the (filtered) results only when given a filters object.
      var answer = self.clean(found);
      // Entries with the words regardless of filters (a delta's hidden pages included).
      answer.df = found.unfilteredResultCount || answer.results.length;
      return self.placeFresh(answer.results, sort).then(function (placed) {
        answer.results = placed;
        return answer;
      });
    }).then(function (answer) {
      if (!words || !words.length || !answer.results.length) return answer;
      return answer.results[0].data().then(function (d) {
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
        return ok ? answer : { results: [], counts: {} };
      });
    });
  };

  /** Pagefind filters for the state's choices, leaving out the facet ``except``. */
  function filtersFor(state, years, except) {
    var filters = {};
    FACETS.forEach(function (f) {
      if (f !== except && (state[f] || []).length) filters[f] = { any: state[f].slice() };
    });
    if (years && except !== "year") filters.year = { any: years.length ? years : ["none"] };
    return filters;
  }

  /** Add ``b`` times ``sign`` to the counts ``a`` (facet -> value -> n). */
  function addCounts(a, b, sign) {
    Object.keys(b || {}).forEach(function (f) {
      var into = a[f] || (a[f] = {});
      Object.keys(b[f]).forEach(function (v) { into[v] = (into[v] || 0) + sign * b[f][v]; });
    });
    return a;
  }

  /** The non-empty subsets of ``items``, each with its sign for inclusion-exclusion. */
  function subsets(items) {
    var out = [];
    for (var mask = 1; mask < 1 << items.length; mask++) {
      var pick = items.filter(function (_, i) { return mask & (1 << i); });
      out.push({ words: pick, sign: pick.length % 2 ? 1 : -1 });
    }
    return out;
  }

  /**
   * Search like the service: ``state`` uses URL names ({q, type: [], tenet: [], focus: [],
   * level: [], year_from, year_to, page}); resolves {mode: "static", total, hits, facets,
   * page, pages, page_size, note, suggestion, nearest, nearest_reason, partial, words}.
   *
   * Facets as the service counts them: values of one facet OR, facets AND, each facet
   * counted over the result of the other facets (one more Pagefind search per facet
   * with choices, or per facet and subset of words for a partial match).
   */
  Engine.prototype.search = function (state, options) {
    var self = this;
    var pageSize = (options && options.pageSize) || 20;
    var labels = (options && options.labels) || {};
    var sort = options && options.sort;
    var q = String(state.q || "").trim();
    var parsed = contentWords(q);
    var phrase = isPhrase(q);
    var browse = !q || !parsed.words.length;
    var term = browse ? EVERY : phrase ? q : parsed.words.join(" ");
    var check = browse || phrase ? null : parsed.words;
    var ranged = !!(state.year_from || state.year_to);
    var chosen = FACETS.filter(function (f) { return (state[f] || []).length; });
    if (ranged) chosen.push("year");
    var yearsP = ranged ? this.years.then(function (all) {
      var lo = state.year_from || 0, hi = state.year_to || 10000;
      return all.filter(function (y) { return Number(y) >= lo && Number(y) <= hi; });
    }) : Promise.resolve(null);
    var years = null;

    /** Facet counts for the entries matching ``terms`` (any of them, if several). */
    function countsFor(terms, except) {
      var parts = terms.length === 1 ? [{ words: terms, sign: 1 }] : subsets(terms);
      return Promise.all(parts.map(function (part) {
        return self.find(part.words.join(" "), filtersFor(state, years, except), null, null)
          .then(function (found) { return { sign: part.sign, counts: found.counts }; });
      })).then(function (all) {
        return all.reduce(function (acc, one) { return addCounts(acc, one.counts, one.sign); }, {});
      });
    }

    return yearsP.then(function (ys) {
      years = ys;
      return self.find(term, filtersFor(state, years, null), sort, check);
    }).then(function (main) {
      var few = !browse && !phrase && parsed.words.length >= 2 && main.results.length < WIDEN_BELOW;
      if (!few) {
        return Promise.all(chosen.map(function (f) { return countsFor([term], f); })).then(function (others) {
          var counts = main.counts;
          chosen.forEach(function (f, i) { counts[f] = others[i][f] || {}; });
          return { ranked: main.results, counts: counts, partial: false, few: false, missing: main.results.length ? [] : parsed.words };
        });
      }
      // Few or no entries have every word: rank those with most of the (rarest) words.
      var filters = filtersFor(state, years, null);
      return Promise.all(parsed.words.map(function (w) { return self.find(w, filters, null, [w]); }))
        .then(function (perWord) {
          var missing = parsed.words.filter(function (_, i) { return !perWord[i].results.length; });
          var found = parsed.words.map(function (w, i) { return { w: w, n: perWord[i].results.length, i: i }; })
            .filter(function (x) { return x.n > 0; })
            .sort(function (a, b) { return a.n - b.n; });
          var counted = found.slice(0, COUNTED_WORDS);
          // As the service ranks (search/matching.py partial): the summed BM25 idf of the
          // words an entry has, over every entry, then the entry's own score.
          var all = self.total || 1;
          function idf(df) { return Math.log(1 + (all - df + 0.5) / (df + 0.5)); }
          var byId = {};
          function add(x, create) {
            var weight = idf(perWord[x.i].df);
            perWord[x.i].results.forEach(function (r) {
              var row = byId[r.id];
              if (!row && !create) return;
              row = row || (byId[r.id] = { result: r, weight: 0, score: 0 });
              row.weight += weight;
              row.score += r.score;
            });
          }
          counted.forEach(function (x) { add(x, true); });
          // The other (more common) words only lift the entries that have them.
          found.slice(COUNTED_WORDS).forEach(function (x) { add(x, false); });
          var rows = Object.keys(byId).map(function (id) { return byId[id]; });
          rows.sort(function (a, b) { return b.weight - a.weight || b.score - a.score; });
          var words = counted.map(function (x) { return x.w; });
          if (!words.length) {
            return { ranked: [], counts: {}, partial: false, few: false, missing: missing };
          }
          var jobs = [countsFor(words, null)].concat(chosen.map(function (f) { return countsFor(words, f); }));
          return Promise.all(jobs).then(function (all) {
            var counts = all[0];
            chosen.forEach(function (f, i) { counts[f] = all[i + 1][f] || {}; });
            return {
              ranked: rows.map(function (r) { return r.result; }), counts: counts,
              partial: rows.length > main.results.length, few: main.results.length > 0, missing: missing,
            };
          });
        });
    }).then(function (matched) {
      var facets = {};
      FACETS.concat(["year"]).forEach(function (f) {
        var counts = {};
        Object.keys(matched.counts[f] || {}).forEach(function (v) {
          if (matched.counts[f][v] > 0) counts[v] = matched.counts[f][v];
        });
        var picked = f === "year" ? [] : state[f] || [];
        picked.forEach(function (v) { if (!(v in counts)) counts[v] = 0; });
        var names = labels[FIELD[f]] || {};
        var order = Object.keys(names);
        facets[FIELD[f]] = Object.keys(counts).map(function (v) {
          return { value: f === "year" ? Number(v) : v, label: names[v] || v, count: counts[v], selected: picked.indexOf(v) >= 0 };
        }).sort(f === "year"
          ? function (a, b) { return b.value - a.value; }
          : function (a, b) {
            var ia = order.indexOf(String(a.value)), ib = order.indexOf(String(b.value));
            ia = ia < 0 ? order.length : ia;
            ib = ib < 0 ? order.length : ib;
            return ia - ib || b.count - a.count || String(a.value).localeCompare(String(b.value));
          });
      });
      var results = matched.ranked;
      var pages = Math.max(1, Math.ceil(results.length / pageSize));
      var page = Math.min(Math.max(1, state.page || 1), pages);
      var shown = results.slice((page - 1) * pageSize, page * pageSize);
      var answer = {
        mode: "static", total: results.length, page: page, pages: pages, page_size: pageSize,
        facets: facets, words: browse ? [] : parsed.words, note: null, suggestion: null, nearest: [],
        nearest_reason: null, partial: matched.partial,
      };
      if (matched.partial && results.length) {
        answer.note = matched.few
          ? "Few entries have all of your words; after them come entries that match most of them."
          : "No entry has all of your words; showing entries that match most of them.";
      }
      var extra = [self.hits(shown, answer.words)];
      var filtered = chosen.length > 0;
      if (!results.length && filtered && !browse) {
        // Nothing with the filters: the nearest entries are the words' matches without them.
        extra.push(self.find(term, {}, null, check).then(function (loose) {
          if (!loose.results.length) return [];
          answer.nearest_reason = "filters";
          return self.hits(loose.results.slice(0, NEAREST), answer.words);
        }));
      } else if (!results.length && matched.missing.length) {
        extra.push(self.suggest(parsed.words, matched.missing).then(function (suggestion) {
          answer.suggestion = suggestion;
          if (!suggestion) return [];
          var words = contentWords(suggestion).words;
          return self.find(words.join(" "), {}, null, words).then(function (again) {
            if (!again.results.length) return [];
            answer.nearest_reason = "spelling";
            return self.hits(again.results.slice(0, NEAREST), words);
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
          excerpt: String(d.excerpt || "").replace(/\s*kbentryall\s*$/, ""),
          content: String(d.content || "").replace(/\s*kbentryall\s*$/, ""), words: words,
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
        var delta = fetch(base + "delta.json", { cache: "no-cache" })
          .then(function (res) { return res.ok ? res.json() : {}; })
          .catch(function () { return {}; });
        opened[base] = Promise.all([import(base + "pagefind.js"), delta]).then(function (both) {
          var pagefind = both[0], changes = both[1] || {};
          // noWorker: Pagefind 1.5's shared web worker gives up after 5 s on a busy
          // machine and starts again on the page, and the two inits raced ("Failed to
          // load Pagefind metadata" in about one test run in five); on the page it is
          // one init, and the search's work is the same either way.
          // A title match ranks higher, as the service boosts titles (schema.py
          // FIELD_BOOSTS): measured on the bench's 30 questions, 18 agree with the
          // service's first hit at title 15 or 40, 15 at Pagefind's default.
          var ranking = { metaWeights: { title: TITLE_WEIGHT } };
          return pagefind.options({ excerptLength: 30, noWorker: true, ranking: ranking }).then(function () {
            return pagefind.init();
          }).then(function () {
            // The delta ranks as the base does.
            if (changes.delta) return pagefind.mergeIndex(base + changes.delta, { ranking: ranking });
          }).then(function () {
            // Pagefind counts facet values only over the filter indexes it has loaded:
            // load them all once (with every year, for year ranges).
            var engine = new Engine(base, pagefind, changes);
            engine.years = pagefind.filters().then(function (totals) {
              // Every entry has one type: their counts sum to the entries (for idf).
              var types = (totals || {}).type || {};
              engine.total = Object.keys(types).reduce(function (n, t) { return n + types[t]; }, 0)
                - Object.keys(changes.fix || {}).length; // base pages a delta replaces
              return Object.keys((totals || {}).year || {});
            });
            return engine.years.then(function () { return engine; });
          });
        });
        opened[base].catch(function () { delete opened[base]; });
      }
      return opened[base];
    },
  };
})();
