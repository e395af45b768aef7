/* Equity KB static search: the site's static index (kb-search/), queried in the browser
 * with no server, answering in the shape /api/search answers in, so the search page
 * draws both the same way.
 *
 * What a query matches, and how the matches rank, is decided as the service decides,
 * from data the build writes (search/static_terms.py): each entry's terms, field by
 * field, as the service's analyzers make them, with their frequencies (kb-search/terms/).
 * A query word is analysed here as the service analyses it (the same tokenizers, stop
 * words and Porter stemmer, whoosh.lang.porter ported below) and matches the entries
 * that have its terms in some field, ranked by the service's BM25 with its field boosts.
 * So stems ("vulnerability" finds "vulnerable"), hyphens ("role-play"), apostrophes and
 * numbers match as they do there, and a word the index does not hold matches nothing
 * (Pagefind alone falls back to a prefix of it). Pagefind answers quoted phrases (the
 * terms hold no positions) and is loaded only for them; every result's text comes from
 * its Pagefind fragment.
 *
 * As the service does:
 * - facets: values of one facet OR, facets AND, each facet counted over the result of the
 *   others (from the rows' facet values in pages.json);
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
  var CACHED = 64;
  var TITLE_WEIGHT = 15;
  var EXCERPT_WORDS = 30;
  // Between the parts of an entry's text (title, summary, byline, headings, paragraphs)
  // in its record (search/static_index.py PART_BREAK): an excerpt stays within one part.
  var PART_BREAK = "\u00b6";

  function contentWords(q) {
    var all = String(q || "").replace(/["()]/g, " ").split(/\s+/).filter(function (w) {
      return w && OPERATORS.indexOf(w) < 0;
    }).map(function (w) { return w.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""); })
      .filter(Boolean);
    var kept = all.filter(function (w) { return stopwords().indexOf(w) < 0; });
    return { all: all, words: (kept.length ? kept : all).slice(0, MAX_WORDS), dropped: all.length - kept.length };
  }

  /**
   * Query words split as the service's parser splits them, at every character that is
   * not part of a word ("role-play", "www.call-ecl.org"), without single letters or,
   * unless nothing else is left, common words: "what's" is nothing to search for.
   */
  function splitWords(words) {
    var parts = [];
    words.forEach(function (w) {
      (w.match(ID_WORD) || []).forEach(function (p) {
        if (Array.from(p).length >= 2 && parts.indexOf(p) < 0) parts.push(p);
      });
    });
    // Common words count when there is nothing else ("why"), as contentWords keeps them.
    var kept = parts.filter(function (p) { return stopwords().indexOf(p) < 0; });
    return (kept.length ? kept : parts).slice(0, MAX_WORDS);
  }

  function isPhrase(q) { return /^\s*".+"\s*$/.test(q || ""); }

  /* ---------------------------------------------------------------- the service's analysis */

  /**
   * whoosh.lang.porter.stem, line for line: the stemmer of the service's text fields. It
   * departs from Porter's published algorithm where Whoosh does (its patterns are
   * matched from the start of the word: "accelerated" is "accelerat"), since what
   * counts is that a word here meets the term the index holds.
   */
  var STEP2 = {
    ational: "ate", tional: "tion", enci: "ence", anci: "ance", izer: "ize", bli: "ble",
    alli: "al", entli: "ent", eli: "e", ousli: "ous", ization: "ize", ation: "ate",
    ator: "ate", alism: "al", iveness: "ive", fulness: "ful", ousness: "ous", aliti: "al",
    iviti: "ive", biliti: "ble", logi: "log",
  };
  var STEP3 = { icate: "ic", ative: "", alize: "al", iciti: "ic", ical: "ic", ful: "", ness: "" };
  var C = "[^aeiouy]+", V = "[aeiou]+";
  var MGR0 = new RegExp("^(" + C + ")?" + V + C, "u");
  var MEQ1 = new RegExp("^(" + C + ")?" + V + C + "(" + V + ")?$", "u");
  var MGR1 = new RegExp("^(" + C + ")?" + V + C + V + C, "u");
  var S_V = new RegExp("^(" + C + ")?[aeiouy]", "u");
  var C_V = new RegExp("^" + C + "[aeiouy][^aeiouwxy]$", "u");
  var ED_ING = /^(.*)(ed|ing)$/u;
  var AT_BL_IZ = /^(at|bl|iz)$/u;
  var STEP1B = /^([^aeiouylsz])\1$/u;
  var RE2 = /^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$/u;
  var RE3 = /^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$/u;
  var RE4_1 = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/u;
  var RE4_2 = /^(.+?)(s|t)(ion)$/u;
  var RE5 = /^(.+?)e$/u;
  var stemMemo = new Map();

  function porter(word) {
    var hit = stemMemo.get(word);
    if (hit !== undefined) return hit;
    var w = word, m;
    if (Array.from(w).length < 3) return w;
    var firstIsY = w[0] === "y";
    if (firstIsY) w = "Y" + w.slice(1);
    if (/s$/.test(w)) {
      if (/sses$/.test(w) || /ies$/.test(w)) w = w.slice(0, -2);
      else if (w[w.length - 2] !== "s") w = w.slice(0, -1);
    }
    if (/eed$/.test(w)) {
      if (MGR0.test(w.slice(0, -3))) w = w.slice(0, -1);
    } else if ((m = ED_ING.exec(w))) {
      if (S_V.test(m[1])) {
        w = m[1];
        if (AT_BL_IZ.test(w)) w += "e";
        else if (STEP1B.test(w)) w = w.slice(0, -1);
        else if (C_V.test(w)) w += "e";
      }
    }
    if (/y$/.test(w) && S_V.test(w.slice(0, -1))) w = w.slice(0, -1) + "i";
    if ((m = RE2.exec(w)) && MGR0.test(m[1])) w = m[1] + STEP2[m[2]];
    if ((m = RE3.exec(w)) && MGR0.test(m[1])) w = m[1] + STEP3[m[2]];
    if ((m = RE4_1.exec(w))) {
      if (MGR1.test(m[1])) w = m[1];
    } else if ((m = RE4_2.exec(w))) {
      if (MGR1.test(m[1] + m[2])) w = m[1] + m[2];
    }
    if ((m = RE5.exec(w))) {
      var s = m[1];
      if (MGR1.test(s) || (MEQ1.test(s) && !C_V.test(s))) w = s;
    }
    if (/ll$/.test(w) && MGR1.test(w)) w = w.slice(0, -1);
    if (firstIsY) w = "y" + w.slice(1);
    if (stemMemo.size > 20000) stemMemo.clear();
    stemMemo.set(word, w);
    return w;
  }

  // Whoosh's tokenizers (Python's \w is a letter, a number or "_"): the text fields' and
  // authors' (\w+(\.?\w+)*, so "e.g" stays one word) and the id field's (\w+).
  var WORD = /[\p{L}\p{N}_]+(?:\.?[\p{L}\p{N}_]+)*/gu;
  var ID_WORD = /[\p{L}\p{N}_]+/gu;

  // The searched fields by their code in the term data (search/static_terms.py).
  var FIELDS = ["t", "u", "b", "n", "i", "a"];
  var STEMMED = { t: true, u: true, b: true, n: true };

  /**
   * The terms of ``text`` per field, as the service's analyzers make them: the text
   * fields' (tokens, lower case, stop words and short words out, stemmed), the id's
   * (\w+, lower case) and the authors' (as the text fields', not stemmed).
   */
  function analyse(text, terms) {
    var stop = terms.stop, min = terms.min;
    var words = (String(text).match(WORD) || []).map(function (w) { return w.toLowerCase(); })
      .filter(function (w) { return Array.from(w).length >= min && !stop.has(w); });
    var stems = words.map(porter);
    var ids = (String(text).match(ID_WORD) || []).map(function (w) { return w.toLowerCase(); });
    var out = {};
    FIELDS.forEach(function (f) { out[f] = STEMMED[f] ? stems : f === "i" ? ids : words; });
    return out;
  }

  /** Rows in both sorted arrays. */
  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return out;
  }

  /** Rows in either sorted array. */
  function union(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
      else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
      else { out.push(a[i]); i++; j++; }
    }
    return out;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
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

  /**
   * ``terms``: pages.json (search/static_terms.py): per row (an entry, in the service's
   * browse order) its Pagefind page id, year and facet values; the shards of the
   * inverted terms are fetched as queries need them.
   */
  function Engine(base, pagefind, terms) {
    this.base = base;
    this.pf = pagefind;
    this.terms = terms;
    this.rows = terms.ids.length;
    this.total = this.rows;
    this.wordList = null;
    this.memo = new Map(); // Pagefind's answers, by search (see cached)
    this.shards = new Map();
    this.norm = {};
    this.shardNames = new Set(terms.shards || []);
    this.fragments = new Map();
    this.rowOf = new Map();
    var self = this;
    // An id is "<folder>/<page>" when its page is in a bundle merged over the first
    // (``part-2/``, ``delta/``); Pagefind's answers name the page alone.
    terms.ids.forEach(function (id, row) { self.rowOf.set(id.slice(id.lastIndexOf("/") + 1), row); });
    terms.stop = new Set(terms.stop || []);
    // value id by facet and value, and each row's values by facet
    this.valueId = {};
    (terms.values || []).forEach(function (fv, i) { self.valueId[fv[0] + "\u0000" + fv[1]] = i; });
    this.facetOf = (terms.values || []).map(function (fv) { return FACETS.indexOf(fv[0]); });
    var rank = new Array(this.rows);
    (terms.by_title || []).forEach(function (row, i) { rank[row] = i; });
    this.titleRank = rank;
    this.years = Promise.resolve(Object.keys((terms.years || []).reduce(function (acc, y) {
      if (y) acc[y] = true;
      return acc;
    }, {})));
  }

  Engine.prototype.shard = function (term) {
    // Its first three characters' shard where a large one was split (static_terms.py
    // _shards), else its first two's.
    var chars = Array.from(term).map(function (c) { return c.codePointAt(0).toString(16); });
    var name = chars.slice(0, 3).join("_");
    if (chars.length < 3 || !this.shardNames.has(name)) name = chars.slice(0, 2).join("_");
    if (!this.shardNames.has(name)) return Promise.resolve({}); // no term starts so
    var got = this.shards.get(name);
    if (!got) {
      got = fetch(this.base + "terms/" + this.terms.gen + "/" + name + ".json")
        .then(function (res) { return res.ok ? res.json() : {}; });
      var shards = this.shards;
      got.catch(function () { shards.delete(name); });
      this.shards.set(name, got);
    }
    return got;
  };

  /** The postings of ``term`` in ``field``: {rows, tfs}, rows sorted. */
  Engine.prototype.postings = function (field, term) {
    return this.shard(term).then(function (data) {
      var flat = (data[field] || {})[term] || [];
      var n = flat.length >> 1, rows = new Array(n), tfs = new Array(n), at = 0;
      for (var i = 0; i < n; i++) {
        rows[i] = at += flat[2 * i];
        tfs[i] = flat[2 * i + 1];
      }
      return { rows: rows, tfs: tfs };
    });
  };

  /**
   * A query word as the service's parser reads it: in each field, the entries with every
   * term the word analyses into there; any field will do. Resolves {rows, terms}: the
   * rows (sorted), and the (field, postings) pairs that rank them.
   */
  Engine.prototype.matchWord = function (word) {
    var self = this;
    var parts = analyse(word, this.terms);
    return Promise.all(FIELDS.map(function (f) {
      var ts = parts[f].filter(function (x, i, all) { return all.indexOf(x) === i; });
      if (!ts.length) return Promise.resolve({ rows: [], terms: [] });
      return Promise.all(ts.map(function (x) { return self.postings(f, x); })).then(function (lists) {
        return {
          rows: lists.map(function (p) { return p.rows; }).reduce(intersect),
          terms: lists.map(function (p) { return { field: f, postings: p }; }),
        };
      });
    })).then(function (fields) {
      return {
        rows: fields.map(function (x) { return x.rows; }).reduce(union),
        terms: fields.reduce(function (acc, x) { return acc.concat(x.terms); }, []),
      };
    });
  };

  /**
   * BM25 as the service ranks (search/matching.py): for each term of each word in each
   * field, boost x idf x tf (k1 + 1) / (tf + k1 (1 - b + b length / average length)),
   * summed; idf over the entries with the term in that field.
   */
  Engine.prototype.bm25 = function (matches) {
    var t = this.terms, self = this;
    var score = new Float64Array(this.rows);
    matches.forEach(function (m) {
      m.terms.forEach(function (term) {
        var f = term.field, p = term.postings;
        if (!p.rows.length) return;
        var top = self.idf(p.rows.length) * (t.k1 + 1) * (t.boost[f] || 1);
        var norm = self.norms(f);
        for (var i = 0; i < p.rows.length; i++) {
          var row = p.rows[i], tf = p.tfs[i];
          score[row] += top * tf / (tf + norm[row]);
        }
      });
    });
    return score;
  };

  /** k1 (1 - b + b length / average length) per row, for ``field``. */
  Engine.prototype.norms = function (f) {
    if (this.norm[f]) return this.norm[f];
    var t = this.terms, k1 = t.k1, b = (t.b || {})[f] || 0, lens = (t.len || {})[f];
    var out = new Float64Array(this.rows);
    var avg = 1;
    if (b && lens) {
      var sum = 0;
      for (var i = 0; i < lens.length; i++) sum += lens[i];
      avg = sum / Math.max(1, this.rows) || 1;
    }
    for (var r = 0; r < this.rows; r++) out[r] = b && lens ? k1 * (1 - b + b * lens[r] / avg) : k1;
    this.norm[f] = out;
    return out;
  };

  /**
   * Pagefind's answer for ``term``, kept for the last CACHED searches: a question's
   * words and the next page ask for the same searches again, and one over thousands of
   * entries is hundreds of milliseconds.
   */
  Engine.prototype.cached = function (term, options) {
    var key = JSON.stringify([term, options]);
    var hit = this.memo.get(key);
    if (hit) {
      this.memo.delete(key);
    } else {
      hit = this.pf().then(function (pagefind) { return pagefind.search(term, options); });
      var memo = this.memo;
      hit.catch(function () { memo.delete(key); });
    }
    this.memo.set(key, hit); // most recent last
    if (this.memo.size > CACHED) this.memo.delete(this.memo.keys().next().value);
    return hit;
  };

  /** Pagefind's ranking for ``term``: row -> {pos, score}, over its matches. */
  Engine.prototype.ranking = function (term) {
    var self = this;
    return this.cached(term, {}).then(function (found) {
      var out = new Map();
      (found.results || []).forEach(function (r, i) {
        var row = self.rowOf.get(r.id);
        if (row !== undefined && !out.has(row)) out.set(row, { pos: i, score: r.score || 0 });
      });
      return out;
    });
  };

  /** An entry's Pagefind fragment (url, content, meta, filters), read from the bundle. */
  Engine.prototype.fragment = function (row) {
    var got = this.fragments.get(row);
    if (!got) {
      var id = this.terms.ids[row];
      var cut = id.lastIndexOf("/") + 1;
      var url = this.base + id.slice(0, cut) + "fragment/" + id.slice(cut) + ".pf_fragment";
      got = fetch(url).then(function (res) {
        if (!res.ok) throw new Error("static index: " + url + " answered " + res.status);
        return new Response(res.body.pipeThrough(new DecompressionStream("gzip"))).text();
      }).then(function (text) {
        return JSON.parse(text.replace(/^pagefind_dcd/, ""));
      });
      var fragments = this.fragments;
      got.catch(function () { fragments.delete(row); });
      if (this.fragments.size > 500) this.fragments.clear();
      this.fragments.set(row, got);
    }
    return got;
  };

  Engine.prototype.words = function () {
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

  /** BM25's idf, as the service's (search/matching.py idf). */
  Engine.prototype.idf = function (df) {
    return Math.log(1 + (this.total - df + 0.5) / (df + 0.5));
  };

  /**
   * The state's facet choices as a test per row: ``fails(row)`` lists the facets (an
   * index into FACETS, or 5 for the year range) the row is outside of.
   */
  Engine.prototype.filter = function (state) {
    var self = this, terms = this.terms;
    var chosen = FACETS.map(function (f) {
      var ids = new Set();
      (state[f] || []).forEach(function (v) {
        var id = self.valueId[f + "\u0000" + v];
        ids.add(id === undefined ? -1 : id);
      });
      return ids.size ? ids : null;
    });
    var ranged = !!(state.year_from || state.year_to);
    var lo = Number(state.year_from) || 0, hi = Number(state.year_to) || 10000;
    var any = ranged || chosen.some(Boolean);
    return {
      any: any,
      facets: FACETS.filter(function (_, i) { return chosen[i]; }).concat(ranged ? ["year"] : []),
      fails: function (row) {
        if (!any) return [];
        var out = [];
        var hit = chosen.map(function () { return false; });
        terms.tags[row].forEach(function (v) {
          var f = self.facetOf[v];
          if (chosen[f] && chosen[f].has(v)) hit[f] = true;
        });
        chosen.forEach(function (c, f) { if (c && !hit[f]) out.push(f); });
        if (ranged) {
          var y = terms.years[row];
          if (!y || y < lo || y > hi) out.push(5);
        }
        return out;
      },
    };
  };

  /**
   * The rows of ``rows`` within the filters, and the facet counts over them: each facet
   * counted over the rows within every other facet's choices, as the service counts.
   */
  Engine.prototype.facetCounts = function (rows, filter) {
    var terms = this.terms, facetOf = this.facetOf;
    var counts = { year: {} };
    FACETS.forEach(function (f) { counts[f] = {}; });
    var kept = [];
    rows.forEach(function (row) {
      var fails = filter.fails(row);
      if (fails.length > 1) return;
      if (!fails.length) kept.push(row);
      terms.tags[row].forEach(function (v) {
        var f = facetOf[v];
        if (fails.length && fails[0] !== f) return;
        var value = terms.values[v][1], into = counts[FACETS[f]];
        into[value] = (into[value] || 0) + 1;
      });
      var y = terms.years[row];
      if (y && (!fails.length || fails[0] === 5)) counts.year[y] = (counts.year[y] || 0) + 1;
    });
    return { rows: kept, counts: counts };
  };

  /** ``rows`` in an Explore order (pages.json's rows are in the "order" already). */
  Engine.prototype.sorted = function (rows, sort) {
    var name = sort ? Object.keys(sort)[0] : "order";
    var years = this.terms.years, rank = this.titleRank;
    if (name === "order") return rows.slice().sort(function (a, b) { return a - b; });
    return rows.slice().sort(function (a, b) {
      if (name === "newest" || name === "oldest") {
        var ya = years[a] || 0, yb = years[b] || 0;
        if (!ya !== !yb) return ya ? -1 : 1; // no year last
        if (ya !== yb) return name === "newest" ? yb - ya : ya - yb;
      }
      return rank[a] - rank[b];
    });
  };

  /**
   * Search like the service: ``state`` uses URL names ({q, type: [], tenet: [], focus: [],
   * level: [], year_from, year_to, page}); resolves {mode: "static", total, hits, facets,
   * page, pages, page_size, note, suggestion, nearest, nearest_reason, partial, words},
   * and ``later`` (a promise of the page's other hits) when ``options.first`` hits are
   * fewer than the page's.
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
    var filter = this.filter(state);
    // The words as the service's parser splits them: "role-play" is "role" and "play",
    // "PC-007" is "pc" and "007", each a word the query needs.
    var words = browse ? [] : splitWords(parsed.words);
    // What Pagefind is asked to rank: those words, or the phrase as written.
    var asked = phrase ? q : words.join(" ");

    var matched;
    if (!browse && !phrase && !words.length) {
      // Only common words or single letters: the service searches nothing either.
      matched = Promise.resolve({ ranked: [], partial: false, few: false, missing: [] });
    } else if (browse) {
      var all = [];
      for (var r = 0; r < this.rows; r++) all.push(r);
      matched = Promise.resolve({ ranked: self.sorted(all, sort), partial: false, few: false, missing: [] });
    } else if (phrase) {
      // A phrase is Pagefind's: the terms say which entries have the words, not where.
      matched = this.ranking(asked).then(function (rank) {
        var rows = Array.from(rank.keys()).sort(function (a, b) { return rank.get(a).pos - rank.get(b).pos; });
        return { ranked: sort ? self.sorted(rows, sort) : rows, partial: false, few: false, missing: [] };
      });
    } else {
      matched = Promise.all(words.map(function (w) { return self.matchWord(w); })).then(function (perWord) {
        var sets = perWord.map(function (m) { return m.rows; });
        var every = sets.reduce(intersect);
        var missing = words.filter(function (_, i) { return !sets[i].length; });
        var within = every.filter(function (row) { return !filter.fails(row).length; });
        // Few entries have every word: those with any follow, the rarer and the more of
        // the words they have the higher (the service's partial match, its WIDEN_BELOW).
        var few = words.length >= 2 && within.length < WIDEN_BELOW;
        var pool = few ? sets.reduce(union) : every;
        var score = self.bm25(perWord);
        var coverage = new Float64Array(self.rows);
        if (few) {
          sets.forEach(function (rows) {
            var weight = self.idf(rows.length);
            rows.forEach(function (row) { coverage[row] += weight; });
          });
        }
        var ranked = pool.slice().sort(function (a, b) {
          return coverage[b] - coverage[a] || score[b] - score[a] || a - b;
        });
        if (sort) ranked = self.sorted(ranked, sort);
        return { ranked: ranked, partial: few && pool.length > every.length, few: few && within.length > 0, missing: missing };
      });
    }

    return matched.then(function (m) {
      var counted = self.facetCounts(m.ranked, filter);
      var results = counted.rows;
      var facets = {};
      FACETS.concat(["year"]).forEach(function (f) {
        var counts = counted.counts[f];
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
      var pages = Math.max(1, Math.ceil(results.length / pageSize));
      var page = Math.min(Math.max(1, state.page || 1), pages);
      var shown = results.slice((page - 1) * pageSize, page * pageSize);
      var answer = {
        mode: "static", total: results.length, page: page, pages: pages, page_size: pageSize,
        facets: facets, words: words, note: null, suggestion: null, nearest: [],
        nearest_reason: null, partial: m.partial,
      };
      if (m.partial && results.length) {
        answer.note = m.few
          ? "Few entries have all of your words; after them come entries that match most of them."
          : "No entry has all of your words; showing entries that match most of them.";
      }
      // ``first``: the hits the page draws at once; the rest follow (``later``), as each
      // hit's text is a request of its own (about 50 ms for 20 in Chromium, 6 at a time).
      var first = options && options.first > 0 && shown.length > options.first ? options.first : shown.length;
      var drawn = self.hits(shown.slice(0, first), words);
      // Asked for once the first are in: the browser fetches six at a time.
      if (first < shown.length) {
        answer.later = drawn.then(function () { return self.hits(shown.slice(first), words); });
      }
      var extra = [drawn];
      if (!results.length && filter.any && m.ranked.length && !browse) {
        // Nothing with the filters: the nearest entries are the words' matches without them.
        answer.nearest_reason = "filters";
        extra.push(self.hits(m.ranked.slice(0, NEAREST), words));
      } else if (!results.length && m.missing.length) {
        extra.push(self.suggest(words, m.missing).then(function (suggestion) {
          answer.suggestion = suggestion;
          if (!suggestion) return [];
          return self.search({ q: suggestion, page: 1 }, { pageSize: NEAREST }).then(function (again) {
            if (!again.hits.length) return [];
            answer.nearest_reason = "spelling";
            return again.hits;
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

  /**
   * An excerpt of ``content`` around the words of the query, within one part of the
   * entry (its title, summary, byline, a heading, a paragraph), as escaped HTML with
   * whole words marked: a word is marked when it is one of the query's terms as the
   * service analyses both.
   */
  Engine.prototype.excerpt = function (content, words) {
    var terms = this.terms;
    var wanted = { s: new Set(), i: new Set(), a: new Set() };
    words.forEach(function (w) {
      var t = analyse(w, terms);
      t.t.forEach(function (x) { wanted.s.add(x); });
      t.i.forEach(function (x) { wanted.i.add(x); });
      t.a.forEach(function (x) { wanted.a.add(x); });
    });
    var parts = String(content || "").split(PART_BREAK).map(function (p) { return p.trim(); }).filter(Boolean);
    var best = null;
    parts.forEach(function (part, index) {
      var tokens = [], m;
      var re = new RegExp(WORD.source, "gu");
      while ((m = re.exec(part))) {
        var lower = m[0].toLowerCase();
        var hit = wanted.s.has(porter(lower)) || wanted.a.has(lower);
        if (!hit) {
          // The id's words ("PC-007": "pc", "007") split at every non-word character.
          hit = (m[0].match(ID_WORD) || []).some(function (x) { return wanted.i.has(x.toLowerCase()); });
        }
        tokens.push({ start: m.index, end: m.index + m[0].length, hit: hit });
      }
      var hits = tokens.filter(function (t) { return t.hit; }).length;
      if (hits && (!best || hits > best.hits)) best = { part: part, tokens: tokens, hits: hits, index: index };
    });
    if (!best) return "";
    var tokens = best.tokens;
    var first = tokens.findIndex(function (t) { return t.hit; });
    var from = Math.max(0, Math.min(first - 5, tokens.length - EXCERPT_WORDS));
    var to = Math.min(tokens.length, from + EXCERPT_WORDS);
    var text = best.part;
    var start = from ? tokens[from].start : 0;
    var end = to < tokens.length ? tokens[to - 1].end : text.length;
    var out = from ? "\u2026 " : "";
    var at = start;
    for (var i = from; i < to; i++) {
      var t = tokens[i];
      if (!t.hit) continue;
      out += escapeHtml(text.slice(at, t.start)) + "<mark>" + escapeHtml(text.slice(t.start, t.end)) + "</mark>";
      at = t.end;
    }
    out += escapeHtml(text.slice(at, end)) + (to < tokens.length ? " \u2026" : "");
    return out;
  };

  /** The shown rows' data (one fragment each), as the service's hits. */
  Engine.prototype.hits = function (rows, words) {
    var self = this;
    return Promise.all(rows.map(function (row) { return self.fragment(row); })).then(function (all) {
      return all.map(function (d) {
        var meta = d.meta || {};
        var year = parseInt(meta.year || "", 10);
        var content = String(d.content || "");
        return {
          key: meta.key || "", type: meta.type || "", title: meta.title || d.url || "",
          url: meta.url || "", year: year > 0 ? year : null,
          tenets: meta.tenets ? String(meta.tenets).split(",") : [],
          summary: meta.summary || "",
          excerpt: words.length ? self.excerpt(content, words) : "",
          content: content.split(PART_BREAK).join(" ").replace(/\s+/g, " "), words: words,
        };
      });
    });
  };

  var opened = {};

  /**
   * Pagefind, loaded when a quoted phrase first needs it (words are matched and ranked
   * from the term data alone), with the other parts and the delta bundle merged over
   * the first.
   */
  function loader(base) {
    var ready = null;
    return function () {
      if (!ready) {
        var delta = fetch(base + "delta.json", { cache: "no-cache" })
          .then(function (res) { return res.ok ? res.json() : {}; })
          .catch(function () { return {}; });
        ready = Promise.all([import(base + "pagefind.js"), delta]).then(function (both) {
          var pagefind = both[0], changes = both[1] || {};
          // noWorker: Pagefind 1.5's shared web worker gives up after 5 s on a busy
          // machine and starts again on the page, and the two inits raced ("Failed to
          // load Pagefind metadata" in about one test run in five); on the page it is
          // one init, and the search's work is the same either way.
          var ranking = { metaWeights: { title: TITLE_WEIGHT } };
          return pagefind.options({ noWorker: true, ranking: ranking })
            .then(function () { return pagefind.init(); })
            .then(function () {
              // A large index is in parts (search/static_index.py), and a few edits in a
              // delta bundle: each merged over the first, in turn.
              var more = (Array.isArray(changes.parts) ? changes.parts : []).concat(changes.delta || []);
              return more.reduce(function (done, folder) {
                return done.then(function () { return pagefind.mergeIndex(base + folder, { ranking: ranking }); });
              }, Promise.resolve());
            })
            .then(function () { return pagefind; });
        });
        ready.catch(function () { ready = null; });
      }
      return ready;
    };
  }

  window.KBStatic = {
    contentWords: contentWords,
    porter: porter,
    /** The engine for the static index at ``base`` (a URL ending in "/"), once. */
    open: function (base) {
      if (!opened[base]) {
        var terms = fetch(base + "terms/pages.json", { cache: "no-cache" }).then(function (res) {
          if (!res.ok) throw new Error("static index: terms/pages.json answered " + res.status);
          return res.json();
        });
        opened[base] = terms.then(function (data) {
          return new Engine(base, loader(base), data);
        });
        opened[base].catch(function () { delete opened[base]; });
      }
      return opened[base];
    },
  };
})();
