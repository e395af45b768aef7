"""citeproc-py made to write as citeproc-js (Zotero's processor) does, where they differ:
given names as initials, and title case and capitalize-first.

Initials. citeproc-py's ``Name.initialize`` puts the mark after a lower-case word and a space
before it ("Thomas von" -> "T. von .", "Jae-kook" -> "J.-. kook ."). Its replacement
here initialises as citeproc-js does (a lower-case word, a particle such as "von" or
"de la", is kept as written) and, by APA 7 section 9.8, initialises each part of a
hyphenated name ("Jae-kook" -> "J.-K.", where citeproc-js prints "J."; on the list of
deliberate differences in ``tools/citeproc-js/EXCEPTIONS.md``). An abbreviation of
more than one letter ("S. Ye.", "Chr.") is kept as written, as citeproc-js keeps it.

Case. citeproc-py's title case capitalises neither the parts of a hyphenated word
("Twenty-seventh") nor the word after a spaced dash, and its capitalize-first turns
"arXiv" into "ArXiv": citeproc-js's rules (``core/title_case``) replace both.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .title_case import title_case

_DOTS = re.compile(r"\.(?=[^\s.-])")  # "A.B." is two initials; "J.-K." one name
_ABBREVIATION = re.compile(r"^[A-Z][a-z]+\.$")

_installed: list[bool] = []


@functools.lru_cache(maxsize=65536)  # given names repeat: every list, every citation
def initialise(given: str, mark: str = ". ", hyphen: bool = True) -> str:
    """``given`` as initials with ``mark`` after each ("J. M." for "Joao Miguel");
    ``hyphen``: keep hyphens between the initials of a hyphenated name ("J.-K.")."""
    stop = mark.rstrip()
    tight = not mark.endswith(" ")  # "J.M." rather than "J. M."
    out = ""
    previous_initial = False
    for word in _DOTS.sub(". ", given).split():
        if word[:1].islower() and "-" not in word:
            out += f" {word}"  # a particle: "von", "de", "la"
            previous_initial = False
            continue
        if _ABBREVIATION.match(word):
            out += f" {word}"  # "Ye.", "Chr.": kept as written, as citeproc-js does
            previous_initial = True
            continue
        parts = [p.strip(".") for p in word.split("-")]
        letters = [p[:1].upper() + stop for p in parts if p]
        out += ("" if tight and previous_initial else " ") + ("-" if hyphen else " ").join(letters)
        previous_initial = True
    return out.strip()


def _initialize(self: Any, given: str, mark: str, context: Any) -> str:
    hyphen = self.get_option("initialize-with-hyphen", context)
    return initialise(given, mark, hyphen not in (False, "false"))


def _cased(original: Any) -> Any:
    from citeproc.string import MixedString, NoCase, String

    def case(self: Any, text: Any, language: Any = None) -> Any:
        text_case = self.get("text-case")
        if text_case is None:
            return text  # the common case, as citeproc-py's own
        # Plain text, or pieces that are all plain (citeproc-py splits "arXiv:1 [cs]").
        plain = type(text) is String or (
            type(text) is MixedString and all(type(piece) is String for piece in text)
        )
        if text_case == "title" and plain and language == "en":  # as citeproc-py gates it
            return String(title_case(str(text)))
        if text_case == "capitalize-first" and not isinstance(text, NoCase):
            first = str(text).split(maxsplit=1)[:1]
            if first and any(c.isupper() for c in first[0][1:]):
                return text  # "arXiv", "iPhone": as written, as citeproc-js leaves them
        return original(self, text, language)

    return case


def install() -> None:
    """Replace citeproc-py's ``Name.initialize`` and wrap ``TextCased.case`` (once per
    process, before a style renders anything)."""
    if _installed:
        return
    from citeproc.model import Name, TextCased

    Name.initialize = _initialize
    TextCased.case = _cased(TextCased.case)
    _installed.append(True)


__all__ = ["initialise", "install"]
