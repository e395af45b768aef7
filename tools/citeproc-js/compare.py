"""The site's APA against citeproc-js's, entry by entry: for tests and ``make bench``.

``render(items)`` runs ``render.mjs`` (citeproc-js through Citation.js, pinned in this
folder's ``package.json``) on CSL-JSON items, the whole list at once, as Zotero would.
``canonical(html)`` reduces either side's HTML to what a reader sees: the text, with
italic runs marked ``*…*``; links, entities and whitespace are normalised.
``compare(refs)`` renders references both ways from the site's own CSL-JSON export and
sorts each into: the same, different only where ``EXCEPTIONS`` (where citeproc-js is
wrong by the APA manual, each with the rule that decides it; EXCEPTIONS.md) says, or
different.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "render.mjs"


def unavailable() -> str | None:
    """Why citeproc-js cannot run here (None if it can)."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install -y nodejs npm)"
    if not (HERE / "node_modules" / "@citation-js" / "plugin-csl").is_dir():
        return f"Citation.js is not installed: npm ci --prefix {os.path.relpath(HERE)}"
    return None


def render(items: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """citeproc-js's APA for ``items``: reference-list HTML and the parenthetical
    citation of each, by id."""
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(items, ensure_ascii=False).encode(),
        capture_output=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"citeproc-js failed: {done.stderr.decode(errors='replace')}")
    out = json.loads(done.stdout)
    return out["bibliography"], out["citations"]


class _Reader(HTMLParser):
    """Text and, per piece of it, whether a browser shows it in italics."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, bool]] = []
        self.stack: list[bool] = [False]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = (dict(attrs).get("style") or "").replace(" ", "")
        italic = self.stack[-1]
        if tag in ("i", "em") or "font-style:italic" in style:
            italic = True
        elif "font-style:normal" in style:
            italic = False  # citeproc-js's roman words inside an italic title
        self.stack.append(italic)

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.pieces.append((data, self.stack[-1]))


def canonical(fragment: str) -> str:
    """What a reader sees of an APA reference's HTML: the text with whitespace
    collapsed, italic runs marked ``*…*`` (spaces at a run's edge left outside)."""
    reader = _Reader()
    reader.feed(fragment)
    reader.close()
    chars = [(ch, italic) for text, italic in reader.pieces for ch in text]
    out: list[str] = []
    italic_now = False
    for ch, italic in chars:
        if ch.isspace():
            if not out or out[-1] != " ":
                out.append(" ")
            continue
        if italic != italic_now:
            if not italic and out and out[-1] == " ":
                out.insert(len(out) - 1, "*")  # close before the space
            else:
                out.append("*")
            italic_now = italic
        out.append(ch)
    if italic_now:
        out.append("*")
    return "".join(out).strip()


# ---------------------------------------------------------------- the exceptions
#
# Each takes citeproc-js's text of one entry (canonical form), the CSL item and its
# neighbours, and returns that text as APA 7 has it. A difference between the site and
# citeproc-js is explained when applying the exceptions to citeproc-js's text gives the
# site's.

Item = dict[str, Any]


def _retrieved_without_date(text: str, item: Item, items: list[Item]) -> str:
    # APA 7 section 9.16: "Retrieved Month Day, Year, from URL" only with a retrieval
    # date; citeproc-js prints "Retrieved URL" for a work with no date and no access date.
    if item.get("accessed"):
        return text
    return re.sub(r"Retrieved (?=https?://)", "", text)


def _url_as_written(text: str, item: Item, items: list[Item]) -> str:
    # A URL or DOI must stay as written (APA 7 section 9.35: copied exactly, so that it
    # works); citeproc-js turns an apostrophe inside a URL into a typographic one.
    for target in (item.get("URL"), item.get("DOI")):
        if target and "'" in target:
            text = text.replace(target.replace("'", "\u2019"), target)
    return text


def _hyphenated_given_names(text: str, item: Item, items: list[Item]) -> str:
    # APA 7 section 9.8: each part of a hyphenated given name is initialised, with the
    # hyphen ("Lee, J.-K."); citeproc-js drops a part that starts in lower case ("J.").
    for role in ("author", "editor", "translator", "container-author"):
        for name in item.get(role) or []:
            given, family = name.get("given") or "", name.get("family") or ""
            parts = [p for word in given.split() for p in word.split("-")[1:]]
            if not family or not any(p[:1].islower() for p in parts):
                continue
            for word in given.split():
                pieces = word.split("-")
                if len(pieces) < 2:
                    continue
                js = "-".join(p[:1] + "." for p in pieces if p[:1].isupper())
                apa = "-".join(p[:1].upper() + "." for p in pieces if p)
                text = text.replace(js, apa) if js != apa else text
    return text


def _suffix_order(text: str, item: Item, items: list[Item]) -> str:
    # APA 7 section 9.47: works by the same authors in the same year are put in title
    # order leaving out "A", "An" and "The"; citeproc-js sorts on the title as written,
    # so "The one" comes after "Alone" there and gets another letter.
    theirs = item.get("_theirs_suffix")
    ours = item.get("_our_suffix")
    if theirs and ours and theirs != ours:
        text = re.sub(rf"(\d{{4}}|n\.d\.-){re.escape(theirs)}\b", rf"\g<1>{ours}", text, count=1)
    return text


def _open_range(text: str, item: Item, items: list[Item]) -> str:
    # A work still coming out ("2022/.." in BibLaTeX): citeproc-js prints "(2022–)". The
    # manual gives no form for an open range; the site writes "2022–present", the reading
    # the project chose before this comparison (core/dates.py), as the words say it.
    parts = (item.get("issued") or {}).get("date-parts") or []
    if len(parts) == 2 and parts[1] and not parts[1][0]:
        text = re.sub(r"(\d{4})–(?=[),])", r"\1–present", text)
    return text


def _initials_of_first_authors_only(text: str, item: Item, items: list[Item]) -> str:
    # APA 7 section 8.20 adds initials when the *first authors* of references share a
    # family name; citeproc-js also counts names that no citation shows (the editor of
    # a chapter), and adds initials where no first author needs them.
    names = item.get("author") or item.get("editor") or []
    first = names[0] if names else {}
    family, given = first.get("family"), first.get("given") or ""
    if not family or not given:
        return text

    def letters(g: str) -> str:
        return "".join(c for c in g if c.isalpha() and c.isupper())

    others = {
        letters(n[0].get("given") or "")
        for other in items
        if (n := other.get("author") or other.get("editor") or []) and n[0].get("family") == family
    }
    if len(others) > 1:
        return text  # APA wants the initials too
    pattern = rf"^\(((?:[A-Z][a-z]*\.[ -]?)+) {re.escape(family)}\b"
    return re.sub(pattern, lambda _: f"({family}", text)


def _uncertain_year(text: str, item: Item, items: list[Item]) -> str:
    # An uncertain date ("2019?" in BibLaTeX's EDTF): citeproc-js prints "2019". The
    # manual gives no form; the site keeps the question mark (core/dates.py), a reading
    # choice like open-range-present, so as not to state as certain what the source doubts.
    raw = str((item.get("issued") or {}).get("raw") or "")
    if raw.endswith("?") or raw.endswith("%"):
        text = re.sub(r"(\d{4})(?=[a-z]?[),])", r"\1?", text, count=1)
    return text


def _page_range(text: str, item: Item, items: list[Item]) -> str:
    # APA 7 section 9.27 (and 9.30's examples): a page range takes "pp." and an en dash.
    # citeproc-js leaves a range of article-numbered pages ("16:1-16:34") as written,
    # with "p.": it only reads plain numbers as a range.
    page = str(item.get("page") or "")
    if "-" not in page or page.replace("-", "").isdigit():
        return text
    dashed = re.sub(r"(?<=\w)\s*-+\s*(?=\w)", "–", page)
    text = text.replace(f"p. {page}", f"pp. {dashed}")
    return text.replace(page, dashed)


@dataclass(frozen=True)
class Deviation:
    """One place where the site follows the APA manual and citeproc-js does not."""

    name: str
    rule: str
    apply: Callable[[str, Item, list[Item]], str]


EXCEPTIONS = [
    Deviation("retrieved-without-date", "APA 7 section 9.16", _retrieved_without_date),
    Deviation("url-as-written", "APA 7 section 9.35", _url_as_written),
    Deviation("hyphenated-given-names", "APA 7 section 9.8", _hyphenated_given_names),
    Deviation("year-suffix-title-order", "APA 7 section 9.47", _suffix_order),
    Deviation("open-range-present", "no rule in the manual: a reading choice", _open_range),
    Deviation("uncertain-year", "no rule in the manual: a reading choice", _uncertain_year),
    Deviation("page-range", "APA 7 section 9.27", _page_range),
    Deviation("initials-of-first-authors", "APA 7 section 8.20", _initials_of_first_authors_only),
]


@dataclass
class Report:
    """How the site's APA compares with citeproc-js's, entry by entry."""

    same: list[str] = field(default_factory=list)
    explained: dict[str, list[str]] = field(default_factory=dict)  # key -> exceptions used
    different: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (ours, js)
    citations_same: list[str] = field(default_factory=list)
    citations_different: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.same) + len(self.explained) + len(self.different)


def _explain(ours: str, theirs: str, item: Item, items: list[Item]) -> list[str] | None:
    """The exceptions that turn citeproc-js's text into the site's (None: they don't)."""
    used = []
    for rule in EXCEPTIONS:
        changed = rule.apply(theirs, item, items)
        if changed != theirs:
            used.append(rule.name)
            theirs = changed
        if theirs == ours:
            return used
    return None


_SUFFIX = re.compile(r"\((?:ca\. )?(?:\d{4}|n\.d\.-)([a-z]+)")


def compare(refs: Iterable[Any]) -> Report:
    """The site's APA (``equity_kb.core.apa``, reference list and in-text citations) and
    citeproc-js's from the site's CSL-JSON export of the same references."""
    from equity_kb.core import apa
    from equity_kb.core.exports import to_csl_json

    refs = list(refs)
    items: list[Item] = json.loads(to_csl_json(refs))
    ours = apa.format_bibliography(refs, parallel=False)
    bibliography, citations = render(items)
    report = Report()
    for ref, item in zip(refs, items, strict=True):
        mine, theirs = canonical(ours[ref.key]), canonical(bibliography.get(ref.key, ""))
        cite_mine, cite_theirs = apa.in_text(ref), citations.get(ref.key, "")
        m, t = _SUFFIX.search(mine), _SUFFIX.search(theirs)
        item = {**item, "_our_suffix": m and m.group(1), "_theirs_suffix": t and t.group(1)}
        if mine == theirs:
            report.same.append(ref.key)
        elif (used := _explain(mine, theirs, item, items)) is not None:
            report.explained[ref.key] = used
        else:
            report.different[ref.key] = (mine, theirs)
        cite_theirs_apa = cite_theirs
        for rule in (_suffix_order, _open_range, _uncertain_year, _initials_of_first_authors_only):
            cite_theirs_apa = rule(cite_theirs_apa, item, items)
        if cite_mine in (cite_theirs, cite_theirs_apa):
            report.citations_same.append(ref.key)
        else:
            report.citations_different[ref.key] = (cite_mine, cite_theirs)
    return report


__all__ = ["EXCEPTIONS", "Report", "canonical", "compare", "render", "unavailable"]
