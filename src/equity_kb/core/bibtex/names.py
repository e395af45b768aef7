"""Names and LaTeX: BibTeX values decoded to plain Unicode text, name lists split into
:class:`~equity_kb.core.model.Person` tuples, in BibTeX's name forms and BibLaTeX's
extended name format (``family=Santos, given=Joao, prefix=dos, useprefix=false``)."""

from __future__ import annotations

import functools
import re
from typing import Any

from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from equity_kb.core.model import Person

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


# pylatexenc recurses once per nested group (a RecursionError past about 160) and takes
# exponential time on nested accents (seconds past 20 levels); real titles nest a few.
MAX_NESTING = 12


def nesting(value: str) -> int:
    """How deep braces nest in ``value`` (a macro's argument is a group too)."""
    depth = deepest = 0
    for ch in value:
        if ch == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "}":
            depth -= 1
    return deepest


def _pylatexenc(value: str) -> str:
    if nesting(value) > MAX_NESTING:
        # Not decoded, and said where it is read (parse.py): shown with braces dropped.
        return squash(value.replace("{", "").replace("}", ""))
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


# BibLaTeX's extended name format: "family=Santos, given=Joao, prefix=dos, useprefix=false".
_EXTENDED = re.compile(r"^\s*(family|given|prefix|suffix|useprefix)(?:-i)?\s*=", re.IGNORECASE)
_NAME_PARTS = frozenset({"family", "given", "prefix", "suffix", "useprefix"})


def _top_level_split(text: str, sep: str) -> list[str]:
    """``text`` split at each ``sep`` outside braces."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _unbrace(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


def _extended(name: str) -> tuple[Person, bool]:
    parts: dict[str, str] = {}
    ok = True
    for piece in _top_level_split(name, ","):
        key, eq, value = piece.partition("=")
        key = key.strip().lower()
        if key.endswith("-i"):  # given initials, written by some tools: derived, not needed
            continue
        if not eq or key not in _NAME_PARTS or key in parts:
            ok = False
            continue
        parts[key] = decode_latex(_unbrace(value))
    family, given = parts.get("family", ""), parts.get("given", "")
    prefix, suffix = parts.get("prefix", ""), parts.get("suffix", "")
    use = parts.get("useprefix", "false").strip().lower()
    if use not in ("true", "false") or not (family or given):
        ok = False
    if prefix and use == "true":  # the particle is part of the family name, as in "van Gogh"
        family, prefix = f"{prefix} {family}".strip(), ""
    if not family:
        family, given = given, ""
    return Person(family, given, prefix, suffix), ok


@functools.lru_cache(maxsize=65536)
def person(name: str) -> tuple[Person, bool]:
    """The :class:`Person` of one BibTeX name, decoded, and whether it was well formed.

    The von part stays with the family name ("van der Berg"), as BibTeX sorts it; a Jr
    part is the suffix. An organisation in braces is one family name. BibLaTeX's extended
    format gives each part by name; its ``useprefix=false`` particle stays apart.
    """
    if _EXTENDED.match(name):
        return _extended(name)
    try:
        parts = parse_single_name_into_parts(name, strict=True)
        ok = True
    except InvalidNameError:
        parts = parse_single_name_into_parts(name, strict=False)
        ok = False
    family = decode_latex(" ".join([*parts.von, *parts.last]))
    given = decode_latex(" ".join(parts.first))
    suffix = decode_latex(" ".join(parts.jr))
    return Person(family or given, given if family else "", "", suffix), ok


def split_persons(raw: str) -> tuple[tuple[Person, ...], list[str], str]:
    """People in a BibTeX name list, the malformed names, and the list as decoded text.

    Splitting works on the raw value, so ``{Organisation and Partner}`` stays one name;
    each name is decoded on its own (names recur, whole lists rarely do).
    """
    people: list[Person] = []
    bad: list[str] = []
    names = split_multiple_persons_names(raw)
    for name in names:
        if name.strip().lower() == "others":  # BibTeX's "and others": a shortened list
            continue
        found, ok = person(name)
        if not ok:
            bad.append(name)
        if found.family:
            people.append(found)
    return (
        tuple(people),
        bad,
        " and ".join(
            found.full if _EXTENDED.match(n) else decode_latex(n)
            for n in names
            for found in (person(n)[0],)
        ),
    )
