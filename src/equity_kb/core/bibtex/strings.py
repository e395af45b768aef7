"""BibTeX's value expressions: ``{text}``, ``"text"``, numbers and ``@string`` macros,
joined with ``#`` (``publisher = dtv # { and Walter de Gruyter}``), and the macros a
bibliography defines. A file's own definition of a macro applies to its entries; a
macro it does not define is taken from the first file (in load order) that does."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from .rules import MONTH_MACROS

# BibTeX styles define the months; used when a month is joined to other text.
MONTH_NAMES = dict(
    zip(
        MONTH_MACROS,
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        strict=True,
    )
)


class Part(NamedTuple):
    macro: bool  # a macro's name (looked up in lower case); else text
    text: str  # as written


_BRACES = re.compile(r"(?<!\\)[{}]")
_WORD_END = re.compile(r"[\s#{}\",=()]")


def _enclosed(value: str) -> bool:
    """Whether the brace opening ``value`` is the one its last character closes (escaped
    braces not counted, as bibtexparser counts them)."""
    depth = 0
    last = len(value) - 1
    for match in _BRACES.finditer(value):
        depth += 1 if match.group() == "{" else -1
        if depth == 0 and match.start() != last:
            return False
        if depth < 0:
            return False
    return depth == 0


def _closing(value: str, start: int) -> int:
    """The index just past the group or string opening at ``start``; -1 if unclosed."""
    opener = value[start]
    depth = 0
    i = start + 1 if opener == '"' else start
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and opener == "{":
                return i + 1
            if depth < 0:
                return -1
        elif ch == '"' and opener == '"' and depth == 0:
            return i + 1
        i += 1
    return -1


def split_value(value: str) -> tuple[Part, ...] | None:
    """The parts of a value as written (``{a} # mac # "b" # 12``); None if it is not a
    BibTeX expression. The common braced value costs one regular-expression scan."""
    value = value.strip()
    if value.startswith("{") and value.endswith("}"):
        inner = value[1:-1]
        if ("{" not in inner and "}" not in inner and not inner.endswith("\\")) or _enclosed(value):
            return (Part(False, inner),)
    parts: list[Part] = []
    i = 0
    while True:
        while i < len(value) and value[i].isspace():
            i += 1
        if i >= len(value):
            return None
        ch = value[i]
        if ch in '{"':
            end = _closing(value, i)
            if end < 0:
                return None
            parts.append(Part(False, value[i + 1 : end - 1]))
        else:
            match = _WORD_END.search(value, i)
            end = match.start() if match else len(value)
            word = value[i:end]
            if not word:
                return None
            parts.append(Part(not word.isdigit(), word))
        i = end
        while i < len(value) and value[i].isspace():
            i += 1
        if i >= len(value):
            return tuple(parts)
        if value[i] != "#":
            return None
        i += 1


class Macros:
    """The @string definitions of a bibliography, by file, and their values."""

    def __init__(self) -> None:
        self.defined: dict[str, dict[str, str]] = {}  # file -> name -> expression
        self.first: dict[str, tuple[str, int]] = {}  # name -> (file, line) first defining it
        self._values: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}

    def define(self, path: str, name: str, expression: str, line: int) -> tuple[str, int] | None:
        """Add a definition; returns where the same name was first defined differently
        in another file (each file's own is what its entries use)."""
        name = name.lower()
        own = self.defined.setdefault(path, {})
        own[name] = expression  # a later definition in the same file wins, as in BibTeX
        first = self.first.setdefault(name, (path, line))
        if first[0] != path and self.defined[first[0]][name].strip() != expression.strip():
            return first
        return None

    def add_file(self, path: str, definitions: Iterable[tuple[str, str, int]]) -> None:
        for name, expression, line in definitions:
            self.define(path, name, expression, line)

    def value(
        self, name: str, path: str, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> tuple[str, tuple[str, ...]] | None:
        """The text of macro ``name`` as an entry of file ``path`` reads it, with the
        undefined macros its definition uses; None if no file defines it."""
        home = path if name in self.defined.get(path, ()) else self.first.get(name, ("",))[0]
        if name not in self.defined.get(home, ()):
            return None
        key = (home, name)
        if key in self._values:
            return self._values[key]
        if key in seen:  # defined by way of itself
            return None
        parts = split_value(self.defined[home][name])
        value = (
            self.expand(parts, home, seen | {key})
            if parts is not None
            else (self.defined[home][name].strip(), ())
        )
        self._values[key] = value
        return value

    def expand(
        self, parts: tuple[Part, ...], path: str, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> tuple[str, tuple[str, ...]]:
        """The text of an expression read in file ``path``, and the macros no file
        defines (kept in the text as their names, as written)."""
        out: list[str] = []
        missing: list[str] = []
        for part in parts:
            if not part.macro:
                out.append(part.text)
                continue
            name = part.text.lower()
            found = self.value(name, path, seen)
            if found is None and len(parts) > 1 and name in MONTH_NAMES:
                found = (MONTH_NAMES[name], ())
            if found is None:
                missing.append(part.text)
                found = (part.text, ())
            out.append(found[0])
            missing.extend(found[1])
        return "".join(out), tuple(dict.fromkeys(missing))
