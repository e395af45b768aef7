"""Given names as initials, the way citeproc-js and APA 7 write them, in citeproc-py.

citeproc-py's ``Name.initialize`` puts the mark after a lower-case word and a space
before it ("Thomas von" -> "T. von .", "Jae-kook" -> "J.-. kook ."). Its replacement
here initialises as citeproc-js does (a lower-case word, a particle such as "von" or
"de la", is kept as written) and, by APA 7 section 9.8, initialises each part of a
hyphenated name ("Jae-kook" -> "J.-K.", where citeproc-js prints "J."; on the list of
deliberate differences in ``tools/citeproc-js/EXCEPTIONS.md``).
"""

from __future__ import annotations

import re
from typing import Any

_DOTS = re.compile(r"\.(?=[^\s.-])")  # "A.B." is two initials; "J.-K." one name

_installed: list[bool] = []


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
        parts = [p.strip(".") for p in word.split("-")]
        letters = [p[:1].upper() + stop for p in parts if p]
        out += ("" if tight and previous_initial else " ") + ("-" if hyphen else " ").join(letters)
        previous_initial = True
    return out.strip()


def _initialize(self: Any, given: str, mark: str, context: Any) -> str:
    hyphen = self.get_option("initialize-with-hyphen", context)
    return initialise(given, mark, hyphen not in (False, "false"))


def install() -> None:
    """Replace citeproc-py's ``Name.initialize`` (once per process)."""
    if _installed:
        return
    from citeproc.model import Name

    Name.initialize = _initialize
    _installed.append(True)


__all__ = ["initialise", "install"]
