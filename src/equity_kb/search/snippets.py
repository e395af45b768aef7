"""Highlighted snippets: escaped text with ``<mark>`` around the words a query matched.

Whoosh's highlighter runs its analyzer, a fragmenter and a scorer over every token
(milliseconds per hit); this makes one regex pass with the stemming analyzer's own
tokenizer pattern and Porter stemmer (cached), and picks the window with the most
distinct matched words. The only markup in the output is ``<mark>`` and ``</mark>``:
everything from the document is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from functools import lru_cache

from whoosh.lang.porter import stem as _porter

# How far into a text to look for matches; past it a hit falls back to its summary.
SCAN_CHARS = 20_000
WIDTH = 220
LEAD = 50
ELLIPSIS = "…"


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A lower-cased word as the stemming analyzer indexes it."""
    return _porter(word)


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def highlight(text: str, stems: Collection[str], width: int = WIDTH) -> str:
    """The best window of ``text`` with matched words marked, or "" if none matched."""
    if not text or not stems:
        return ""
    text = " ".join(text[:SCAN_CHARS].split())
    spans: list[tuple[int, int, str]] = []
    # A regex of the stems' prefixes finds candidate words at C speed; each candidate
    # is then stemmed as the analyzer would, so only true matches are marked.
    for m in _candidates(frozenset(stems)).finditer(text):
        term = stem(m.group().lower())
        if term in stems:
            spans.append((m.start(), m.end(), term))
    if not spans:
        return ""
    first, last = _best_window(spans, width - LEAD)
    start = _word_start(text, max(0, spans[first][0] - LEAD))
    end = _word_end(text, min(len(text), max(start + width, spans[last][1])))
    out = [ELLIPSIS] if start > 0 else []
    pos = start
    for s, e, _ in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


@lru_cache(maxsize=512)
def _candidates(stems: frozenset[str]) -> re.Pattern[str]:
    # Porter stems are word prefixes except for a final "e" or "i" it may add
    # ("hoping" -> "hope", "happy" -> "happi"): drop that letter from the prefix.
    prefixes = sorted({s[:-1] if len(s) > 2 and s[-1] in "ei" else s for s in stems}, key=len)
    alternatives = "|".join(re.escape(p) for p in reversed(prefixes))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*(?:\.\w+)*", re.IGNORECASE)


def plain(text: str, width: int = WIDTH) -> str:
    """The start of ``text``, escaped, cut at a word: a snippet with nothing to mark."""
    text = " ".join((text or "")[: width * 4].split())
    if len(text) <= width:
        return escape(text)
    return escape(text[: _word_end(text, width)]) + ELLIPSIS


def _best_window(spans: list[tuple[int, int, str]], reach: int) -> tuple[int, int]:
    """Indices of the first and last span of the window with most distinct terms."""
    best = (-1, -1, 0, 0)  # distinct, count, first, last
    j = 0
    counts: dict[str, int] = {}
    for i in range(len(spans)):
        if j < i:
            j = i
            counts.clear()
        while j < len(spans) and spans[j][1] - spans[i][0] <= reach:
            counts[spans[j][2]] = counts.get(spans[j][2], 0) + 1
            j += 1
        if j == i:  # one very long token: the window is just it
            return i, i
        score = (len(counts), j - i)
        if score > best[:2]:
            best = (*score, i, j - 1)
        term = spans[i][2]
        counts[term] -= 1
        if not counts[term]:
            del counts[term]
    return best[2], best[3]


def _word_start(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = text.find(" ", pos)
    return space + 1 if 0 <= space < pos + 20 else pos


def _word_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", max(0, pos - 20), pos + 1)
    return space if space > 0 else pos
