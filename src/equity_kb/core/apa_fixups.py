"""citeproc-py's APA output mended where it departs from the APA style it runs and
from citeproc-js (Zotero's processor): a title or editors printed twice, editor labels,
empty groups, commas before "&", doubled punctuation, straight quotes, year suffixes.
Everything here takes and returns safe HTML (field text escaped once, by ``apa``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .citation_style import DEFAULT_STYLE, style_name
from .citeproc_fixes import initialise

ISSUED_TEXT = "kb-issued-text"  # not a CSL variable: citeproc ignores it
ROLE = "kb-role"  # the label of a primary contributor who is not the author ("Director")
WITH = "kb-with"  # contributors, as APA names them after the others ("with Roe, A.")


def short_name(name: Mapping[str, str]) -> str:
    """The part of a CSL name a citation shows: the family name, or the whole literal."""
    return name.get("family") or name.get("literal") or name.get("given") or ""


def name_series(names: list[str], last: str = " & ", comma_for_two: bool = False) -> str:
    """Names as APA runs them together: "A & B", "A, B, & C" (with ``comma_for_two``, as
    between inverted names, "Roe, A., & Poe, B.")."""
    if len(names) < 2:
        return "".join(names)
    if len(names) == 2 and not comma_for_two:
        return names[0] + last + names[1]
    return ", ".join(names[:-1]) + "," + last + names[-1]


def suffixed(when: str, suffix: str) -> str:
    """A date with its year suffix: "2019a", "n.d.-a" (APA 7 section 9.47)."""
    if not suffix:
        return when
    return f"{when}-{suffix}" if when.endswith("n.d.") else f"{when}{suffix}"


def issued_year(item: Mapping[str, Any]) -> int | None:
    """The year of a CSL item's issued date, if it has a readable one."""
    try:
        return int(item["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


_DESCRIPTION = re.compile(r"^ \[[^\]]*\]")
_RETRIEVED = re.compile(r"Retrieved (?=https?://)", re.IGNORECASE)
# An edited work's editors, already its authors, again after the title: "(A. B. & C. D.,
# eds.)" or, before the edition, "(A. B. & C. D., eds.; 2nd ed.)".
_EDITOR_REPEAT = re.compile(r" \([^()]*?, (?:[Ee]ds?)\.(?:; ([^()]*))?\)")


def fix_up(text: str, item: Mapping[str, Any]) -> str:
    """Undo citeproc-py's known deviations from the APA style it runs.

    citeproc-py does not suppress a variable used as a substitute when the substitute
    is a macro (citeproc-py issue #91), so an author-less work prints its title twice
    ("Title. (n.d.). Title. URL") and an edited book its editors twice. Both are
    removed here, with two smaller slips below; the rest of the output is citeproc's.
    """
    if style_name() != DEFAULT_STYLE:  # the fixes below are for citeproc-py's APA output
        return link(from_markers(text), item)
    authors = any(short_name(n) for n in item.get("author") or [])
    if not authors and item.get("editor"):
        text = _EDITOR_REPEAT.sub(lambda m: f" ({m.group(1)})" if m.group(1) else "", text, 1)
    elif not authors and item.get("title"):
        head, sep, rest = text.partition(". (")
        date, sep2, tail = rest.partition("). ")
        if sep and sep2 and tail.startswith(head):
            tail = tail[len(head) :]
            description = _DESCRIPTION.match(tail)
            if description:  # "Title [Blog post]. (n.d.)." as APA has it
                head += description.group(0)
                tail = tail[description.end() :]
            tail = tail.lstrip(". ")
            text = f"{head}. ({date})." + (f" {tail}" if tail else "")
    # It also ignores text-case on editor labels ("(ed.)" for APA's "(Ed.)") and does not
    # drop a group whose only variable is empty ("(Publication)" on a thesis with no number,
    # "Retrieved" on a web page with no access date).
    text = text.replace("(ed.)", "(Ed.)").replace("(eds.)", "(Eds.)")
    text = _ROLE_LABEL.sub(lambda m: m.group(0).title().replace("&Amp;", "&amp;"), text)
    text = _volumes(text, item)
    if item.get(ISSUED_TEXT):
        year = item["issued"]["date-parts"][0][0]
        text = text.replace(f"({year})", f"({item[ISSUED_TEXT]})", 1)
    if item.get("type") == "thesis" and not item.get("number"):
        text = text.replace(" (Publication)", "", 1)
    if item.get("type") == "patent" and not item.get("number"):
        text = text.replace(" (Patent)", "", 1)
    if not item.get("accessed"):  # "Retrieved <date>, from" needs the date it lacks
        text = _RETRIEVED.sub("", text, count=1)
    text = _labelled(_two_names(text, item), item)
    text = _container_author(text, item)
    text = _DOUBLED.sub(lambda m: m.group(3) or m.group(1) + m.group(2), text)
    text = _quoted_punctuation(_typographic(text, item))
    return link(from_markers(text), item)


# A role after the names it follows: "(R. Pike, trans.)" is APA's "(R. Pike, Trans.)".
_ROLE_LABEL = re.compile(r"(?<=, )(?:eds?|trans)\.(?=[);])|(?<=, )eds?\. &amp; trans\.(?=[);])")


_ROLE_AT_END = re.compile(r", (?:Eds?\.|Trans\.|Eds?\. &amp; Trans\.)$")


def _volumes(text: str, item: Mapping[str, Any]) -> str:
    """ "Vols. 1–5" for a multivolume work (``number-of-volumes``), which citeproc-py
    leaves out: in the parentheses after the title, after the edition."""
    count = str(item.get("number-of-volumes") or "")
    if not count.isdigit() or item.get("volume") or "Vols." in text:
        return text
    label = f"Vols. 1–{count}" if count != "1" else "Vol. 1"
    head, sep, tail = text.partition("</i>")
    if not sep:
        return text
    if tail.startswith(" (") and ")" in tail:
        inside, _, rest = tail[2:].partition(")")
        # After names and their role a semicolon, after an edition a comma (as citeproc-js).
        sep = "; " if _ROLE_AT_END.search(inside) else ", "
        return f"{head}</i> ({inside}{sep}{label}){rest}"
    return f"{head}</i> ({label}){tail}"


# ---------------------------------------------------------------- what citeproc-py lacks
#
# Roles citeproc-py does not know (director, compiler, contributor, ...) and CSL 1.0.2's
# volume-title, given to it in a form it prints, the rest put in after rendering.

# A work with no author or editor is listed under these, labelled, as citeproc-js does.
PRIMARY_ROLES = {
    "director": ("Director", "Directors"),
    "compiler": ("Compiler", "Compilers"),
    "producer": ("Producer", "Producers"),
    "executive-producer": ("Executive Producer", "Executive Producers"),
    "host": ("Host", "Hosts"),
    "guest": ("Guest Expert", "Guest Experts"),
    "curator": ("Curator", "Curators"),
}


def roles_for_citeproc_py(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """``item`` as citeproc-py can print it: a director (and the like) of a work with no
    author as its author, labelled by ``fix_up``; contributors named by ``fix_up``; a
    volume's own title in the title ("Collected works: Vol. 2. The second volume")."""
    if not (
        item.get("contributor")
        or item.get("volume-title")
        or (not item.get("author") and not item.get("editor"))
    ):
        return item  # the common case: nothing citeproc-py cannot print
    out = dict(item)
    if not item.get("author") and not item.get("editor"):
        for role, (one, many) in PRIMARY_ROLES.items():
            if item.get(role):
                out["author"] = item[role]
                out[ROLE] = one if len(item[role]) == 1 else many
                break
    if item.get("contributor") and (out.get("author") or out.get("editor")):
        out[WITH] = _with_names(item["contributor"])
    volume_title = item.get("volume-title")
    if volume_title and item.get("volume") and not str(item.get("type", "")).startswith("article"):
        where = "container-title" if item.get("container-title") else "title"
        if item.get(where):
            volume = str(item["volume"])  # "Vol. 2", but a lettered volume is "C"
            label = f"Vol. {volume}" if volume.isdigit() else volume
            out[where] = f"{item[where]}: {label}. {volume_title}"
            out.pop("volume")
    return out


def _with_names(names: list[Mapping[str, str]]) -> str:
    shown = [
        f"{n['family']}, {initialise(n['given'])}"
        if n.get("family") and n.get("given")
        else n.get("literal") or n.get("family") or ""
        for n in names
    ]
    return name_series([s for s in shown if s], comma_for_two=True)


def _container_author(text: str, item: Mapping[str, Any]) -> str:
    """ "In I. Kant, *Kants Werke*": the author of the book a part is in (BibLaTeX's
    ``bookauthor``), which citeproc-py leaves out."""
    names = item.get("container-author")
    if not names or " In <i>" not in text:
        return text
    shown = [
        f"{initialise(n['given'])} {n['family']}"
        if n.get("given") and n.get("family")
        else short_name(n)
        for n in names
    ]
    who = name_series(shown, " &amp; ")
    return text.replace(" In <i>", f" In {who}, <i>", 1)


def _labelled(text: str, item: Mapping[str, Any]) -> str:
    """ "Cole, A. (Director). (2020)", "Quinn, E. (with Roe, A.). (2019)"."""
    role, others = item.get(ROLE), item.get(WITH)
    if not role and not others:
        return text
    match = _DATE.search(text)
    if match is None:
        return text
    head = text[: match.start()].rstrip()
    if head.endswith(")."):  # "(Ed.)." then "(with ...)": one period, after the last
        head = head[:-1]
    extra = (f" ({role})" if role else "") + (f" (with {others})" if others else "")
    return f"{head}{extra}. {text[match.start() :]}"


# What citeproc-js does and citeproc-py does not, each as APA 7 wants it too:
# no comma before "&" when the second of two names is an organisation's ("Smith, J. &
# Org"; "Honig & Rainey"), and no period after a title that ends in "?", "!" or, in
# italics, ".".
_DOUBLED = re.compile(r"([?!]|(?<!\.)\.)((?:</[a-z]+>)+)\.|([?!])\.")


def _two_names(text: str, item: Mapping[str, Any]) -> str:
    names = item.get("author") or item.get("editor") or []
    if len(names) == 2 and "literal" in names[1] and not names[1].get("given"):
        return text.replace(", &amp; ", " &amp; ", 1)
    return text


# Straight quotes as typographic ones (citeproc-js's "smart quotes"), outside the DOI and
# URL, which must stay as written; the text is HTML-escaped already.
# An opening quote starts a word; before a digit it is an apostrophe ("ICFP ’09").
_OPENING_SINGLE = re.compile(r"(^|[\s(\[>])&#x27;(?=[^\W\d])")
_OPENING = re.compile(r"(^|[\s(\[>])&quot;")


def _typographic(text: str, item: Mapping[str, Any]) -> str:
    if "&#x27;" not in text and "&quot;" not in text:
        return text
    keep = [t for t in (item.get("DOI"), item.get("URL")) if t and t in text]
    pieces = re.split("(" + "|".join(map(re.escape, keep)) + ")", text) if keep else [text]
    out = []
    for n, piece in enumerate(pieces):
        if n % 2 == 0:
            piece = _OPENING_SINGLE.sub("\\1\u2018", piece).replace("&#x27;", "\u2019")
            piece = _OPENING.sub("\\1\u201c", piece).replace("&quot;", "\u201d")
        out.append(piece)
    return "".join(out)


# American English, as APA and citeproc-js's en-US locale write it: a period or comma
# after a closing quotation mark goes inside it ("“deliberate speed.”").
_AFTER_DOUBLE = re.compile(r"”((?:</[a-z]+>)*)([.,])")
_AFTER_SINGLE = re.compile(r"(‘[^’]*)’((?:</[a-z]+>)*)([.,])")


def _quoted_punctuation(text: str) -> str:
    if "”" not in text and "‘" not in text:
        return text
    return _AFTER_SINGLE.sub(r"\1\3’\2", _AFTER_DOUBLE.sub(r"\2”\1", text))


def typographic(text: str) -> str:
    """Plain text (an in-text citation's names or title) with typographic quotes."""
    text = _OPENING_SINGLE.sub("\\1\u2018", text.replace("'", "&#x27;").replace('"', "&quot;"))
    text = _OPENING.sub("\\1\u201c", text.replace("&#x27;", "\u2019"))
    return text.replace("&quot;", "\u201d")


def with_year_suffix(text: str, suffix: str) -> str:
    """A rendered reference with its year suffix: "(2019a)", "(2019a, March 3)",
    "(n.d.-a)" (APA 7 section 9.47)."""
    if not suffix:
        return text
    match = _DATE.search(text)
    if match is None:
        return text
    return f"{text[: match.start() + 1]}{suffixed(match.group(0)[1:], suffix)}{text[match.end() :]}"


# The date of a reference: the first parenthesis that opens with a year or "n.d.".
_DATE = re.compile(r"\((?:ca\. )?(?:–?\d{4}(?:–(?:\d{4}|present))?|n\.d\.)")


def link(text: str, item: Mapping[str, Any]) -> str:
    """Make the DOI or URL at the end of a reference a link (http and https only)."""
    for target in (f"https://doi.org/{item['DOI']}" if item.get("DOI") else None, item.get("URL")):
        if target and re.match(r"^https?://", target, re.IGNORECASE) and target in text:
            anchor = f'<a href="{target}">{target}</a>'  # target is escaped already
            head, _, tail = text.rpartition(target)
            return head + anchor + tail
    return text


# ---------------------------------------------------------------- markup in titles
#
# CSL rich text (``\\emph{...}`` read as ``<i>...</i>``, core/bibtex/latex) goes through
# citeproc-py as private-use characters, which it passes on as text, and comes out as
# HTML: italics inside an italic title in roman, as citeproc-js and APA print them.

RICH = "kb-rich"  # set on an item whose strings are CSL rich text (not a CSL variable)
_TAG = re.compile(r'<(/?)(i|b|sup|sub|span)((?: [a-z-]+="[^"<>]*")*)>')
# Each tag's pair of markers, and the HTML each marker stands for.
_TAGS = {
    "i": ("<i>", "</i>"),
    "b": ("<b>", "</b>"),
    "sup": ("<sup>", "</sup>"),
    "sub": ("<sub>", "</sub>"),
    "sc": ('<span style="font-variant:small-caps">', "</span>"),
}
_OPEN = {name: chr(0xE000 + 2 * n) for n, name in enumerate(_TAGS)}
_CLOSE = {name: chr(0xE001 + 2 * n) for n, name in enumerate(_TAGS)}
_HTML = {_OPEN[name]: tags[0] for name, tags in _TAGS.items()} | {
    _CLOSE[name]: tags[1] for name, tags in _TAGS.items()
}
_MARK = re.compile("[\ue000-\ue009]|</?i>")
_ANY_MARKER = re.compile("[\ue000-\ue009]")


def to_markers(rich: str) -> str:
    """CSL rich text with its tags as markers; ``nocase`` spans dropped (case is settled
    before citeproc-py sees a title), any other ``<`` left as the text it is."""
    if "<" not in rich:
        return rich
    out, at, spans = [], 0, []
    for m in _TAG.finditer(rich):
        closing, name, attrs = m.group(1), m.group(2), m.group(3)
        out.append(rich[at : m.start()])
        at = m.end()
        if name == "span" and not closing:
            kind = "sc" if "small-caps" in attrs else "nocase" if "nocase" in attrs else ""
            spans.append(kind)
            out.append(_OPEN["sc"] if kind == "sc" else "" if kind else m.group(0))
        elif name == "span":
            kind = spans.pop() if spans else ""
            out.append(_CLOSE["sc"] if kind == "sc" else "" if kind else m.group(0))
        elif attrs:
            out.append(m.group(0))  # not CSL's markup: text
        else:
            out.append((_CLOSE if closing else _OPEN)[name])
    out.append(rich[at:])
    return "".join(out)


def from_markers(text: str) -> str:
    """Rendered HTML with the markers as tags again; ``<i>`` inside italics as roman."""
    if _ANY_MARKER.search(text) is None:
        return text
    # ``italic``: how deep in italics the text is; ``opened``: for each marker <i> still
    # open, the depth before it (a roman span inside italics, an <i> outside them).
    out: list[str] = []
    at, italic, opened = 0, 0, []
    for m in _MARK.finditer(text):
        out.append(text[at : m.start()])
        at = m.end()
        mark = m.group(0)
        if mark in ("<i>", "</i>"):  # citeproc-py's own italics
            italic = italic + 1 if mark == "<i>" else max(italic - 1, 0)
            out.append(mark)
        elif mark == _OPEN["i"]:
            opened.append(italic)
            out.append('<span style="font-style:normal">' if italic else "<i>")
            italic = 0 if italic else 1
        elif mark == _CLOSE["i"]:
            if not opened:
                continue  # a stray end (a cut title): dropped
            italic = opened.pop()
            out.append("</span>" if italic else "</i>")
        else:
            out.append(_HTML[mark])
    out.append(text[at:])
    out.extend("</span>" if depth else "</i>" for depth in reversed(opened))  # a cut title
    html = "".join(out)
    for opening, closing in (("<b>", "</b>"), ("<sup>", "</sup>"), ("<sub>", "</sub>")):
        html += closing * max(html.count(opening) - html.count(closing), 0)
    return html
