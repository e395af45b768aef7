"""Names and LaTeX: BibTeX values decoded to plain Unicode text, name lists split into
(family, given) pairs."""

from __future__ import annotations

import functools
import re
from typing import Any

from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

_WS = re.compile(r"[ \t\r\n]+")  # not \s: a LaTeX ~ decodes to a no-break space we keep
_PARAGRAPH = re.compile(r"\n[ \t\r]*\n\s*")


def squash(text: str) -> str:
    """Collapse runs of whitespace (as BibTeX does) but keep blank-line paragraph breaks."""
    if "\n" not in text and "  " not in text and "\t" not in text and "\r" not in text:
        return text.strip()  # the common case, without two regular expressions
    paragraphs = _PARAGRAPH.split(text.strip())
    return "\n\n".join(_WS.sub(" ", p).strip() for p in paragraphs)


@functools.cache
def _latex_converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    # verbatim math: a stray '$5' should stay as written, not vanish into math mode
    return LatexNodes2Text(math_mode="verbatim")


_LATEX_HINT = re.compile(r"[\\{}~]|--|``|''|[!?]`")
_NEEDS_FULL_DECODER = re.compile(r"[\\$]|[!?]`")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
# pylatexenc's text ligatures, longest first; applied before braces go, as it does.
_LIGATURES = (
    ("---", "\u2014"),
    ("--", "\u2013"),
    ("``", "\u201c"),
    ("''", "\u201d"),
    ("~", "\xa0"),
)


def _pylatexenc(value: str) -> str:
    # BibTeX does not treat % as a comment inside a value; LaTeX would drop the rest.
    return squash(_latex_converter().latex_to_text(_BARE_PERCENT.sub(r"\\%", value)))


@functools.lru_cache(maxsize=65536)
def decode_latex(value: str) -> str:
    """Plain Unicode text of a BibTeX value, decoding LaTeX only where there is some.

    pylatexenc costs ~0.5 ms a call; applied to every field it made parsing about 40
    times slower (DESIGN.md). So a value without LaTeX is only whitespace-normalised,
    and one whose only markup is braces and typographic ligatures (``{PRE}``,
    ``10--20``, ````quoted''``) gets exactly what pylatexenc would return for it
    (a test compares the two); anything with a macro goes through pylatexenc.
    """
    if not _LATEX_HINT.search(value):
        return squash(value)
    if _NEEDS_FULL_DECODER.search(value):
        return _pylatexenc(value)
    for ligature, char in _LIGATURES:
        value = value.replace(ligature, char)
    return squash(value.replace("{", "").replace("}", ""))


@functools.lru_cache(maxsize=65536)
def person(name: str) -> tuple[str, str, bool]:
    """``(family, given, well_formed)`` of one BibTeX name, decoded.

    The von part stays with the family name ("van der Berg"); a Jr part is not kept
    (the model has no slot for it). An organisation in braces is one family name.
    """
    try:
        parts = parse_single_name_into_parts(name, strict=True)
        ok = True
    except InvalidNameError:
        parts = parse_single_name_into_parts(name, strict=False)
        ok = False
    family = decode_latex(" ".join([*parts.von, *parts.last]))
    given = decode_latex(" ".join(parts.first))
    return (family or given, given if family else "", ok)


def split_persons(raw: str) -> tuple[tuple[tuple[str, str], ...], list[str], str]:
    """People in a BibTeX name list, the malformed names, and the list as decoded text.

    Splitting works on the raw value, so ``{Organisation and Partner}`` stays one name;
    each name is decoded on its own (names recur, whole lists rarely do).
    """
    people: list[tuple[str, str]] = []
    bad: list[str] = []
    names = split_multiple_persons_names(raw)
    for name in names:
        if name.strip().lower() == "others":  # BibTeX's "and others": a shortened list
            continue
        family, given, ok = person(name)
        if not ok:
            bad.append(name)
        if family:
            people.append((family, given))
    return tuple(people), bad, " and ".join(decode_latex(n) for n in names)
