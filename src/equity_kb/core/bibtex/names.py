"""Names: BibTeX name lists split into :class:`~equity_kb.core.model.Person` tuples, each
part decoded to plain text (``latex.py``), in BibTeX's name forms and BibLaTeX's extended
name format (``family=Santos, given=Joao, prefix=dos, useprefix=false``)."""

from __future__ import annotations

import functools
import re

from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from equity_kb.core.model import Person

from .latex import decode_latex

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
