"""Citations as pages write them: sphinxcontrib-bibtex's and Jupyter Book's roles, with
their pre- and post-text, read the same way by the build and by ``equity-kb check``."""

from __future__ import annotations

import re

# The forms a citation takes, by role name (``{cite:NAME}``): sphinxcontrib-bibtex's
# 19 names (and "authorspar", an older spelling of "authorpars"); ``{cite}`` alone is its
# parenthetical default, as Jupyter Book writes it. "s": every author named, not "et al.";
# "c": a capital first letter; "al": no parentheses. What each shows: sphinxext's in_text.
FORMS = (
    "p",
    "ps",
    "alp",
    "alps",
    "label",
    "labelpar",
    "t",
    "ts",
    "ct",
    "cts",
    "year",
    "yearpar",
    "author",
    "authors",
    "cauthor",
    "cauthors",
    "authorpar",
    "authorpars",
    "authorspar",
    "empty",
)

# A MyST citation role: {cite}`a`, {cite:p}`a,b`, {cite:t}`{see}a{p. 3}` ...
CITE_ROLE = re.compile(r"\{cite(?::(" + "|".join(FORMS) + r"))?\}`([^`]*)`")


def parse_cites(text: str) -> list[tuple[str, str, str]]:
    """``{see}a{p. 12}, b`` -> [("see", "a", "p. 12"), ("", "b", "")]: keys split at
    commas outside braces, each with the texts in braces before and after it."""
    pieces: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise ValueError("a '}' without its '{'")
        elif ch == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    if depth:
        raise ValueError("a '{' without its '}'")
    pieces.append(text[start:])
    out = []
    for piece in pieces:
        m = _CITE.fullmatch(piece.strip())
        if m is None:
            raise ValueError(
                f"cannot read {piece.strip()!r}: write keys separated by commas, each with "
                "optional {pre-text} before and {post-text} after it"
            )
        if m["key"]:
            out.append(((m["pre"] or "").strip(), m["key"], (m["post"] or "").strip()))
    if not out:
        raise ValueError("no citation key")
    return out


_CITE = re.compile(r"(?:\{(?P<pre>[^{}]*)\})?\s*(?P<key>[^{}\s,]*)\s*(?:\{(?P<post>[^{}]*)\})?")
