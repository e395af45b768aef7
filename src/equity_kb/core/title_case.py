"""Title case as citeproc-js (Zotero's CSL processor) makes it: for the title that stands
in for an author in an APA in-text citation (APA 7 section 8.14), and for what the APA
style puts in title case (journal and proceedings titles), where citeproc-py's own rule
differs (core/citeproc_fixes)."""

from __future__ import annotations

import re

# citeproc-js's words kept in lower case by title case (its CSL.SKIP_WORDS, single words),
# unless first or after a colon: articles, conjunctions, prepositions, particles.
SKIP_WORDS = frozenset(
    [
        "about",
        "above",
        "across",
        "afore",
        "after",
        "against",
        "al",
        "along",
        "alongside",
        "amid",
        "amidst",
        "among",
        "amongst",
        "anenst",
        "apropos",
        "apud",
        "around",
        "as",
        "aside",
        "astride",
        "at",
        "athwart",
        "atop",
        "barring",
        "before",
        "behind",
        "below",
        "beneath",
        "beside",
        "besides",
        "between",
        "beyond",
        "but",
        "by",
        "circa",
        "despite",
        "down",
        "during",
        "et",
        "except",
        "for",
        "forenenst",
        "from",
        "given",
        "in",
        "inside",
        "into",
        "lest",
        "like",
        "modulo",
        "near",
        "next",
        "notwithstanding",
        "of",
        "off",
        "on",
        "onto",
        "out",
        "over",
        "per",
        "plus",
        "pro",
        "qua",
        "sans",
        "since",
        "than",
        "through",
        "thru",
        "throughout",
        "thruout",
        "till",
        "to",
        "toward",
        "towards",
        "under",
        "underneath",
        "until",
        "unto",
        "up",
        "upon",
        "versus",
        "vs.",
        "v.",
        "vs",
        "v",
        "via",
        "vis-à-vis",
        "with",
        "within",
        "without",
        "or",
        "yet",
        "so",
        "and",
        "nor",
        "a",
        "an",
        "the",
        "de",
        "d'",
        "von",
        "van",
        "c",
        "ca",
    ]
)
# After a colon, "?", "!" or a spaced dash a new phrase starts, with a capital.
_NEW_PHRASE = re.compile(r"(?:[:?!]|\s[-–—])\s*$")
_PART = re.compile(r"[^\s\-/]+")  # words, and the parts of hyphenated or slashed words


def title_case(text: str) -> str:
    """``text`` in title case as citeproc-js makes it: each word and each part of a
    hyphenated one capitalised ("Anti-Racism"), but its skip words ("of", "the",
    "between"), which keep their case unless first, last or after a colon; a word with a
    capital already (an acronym, "iPhone") is left as written."""
    out, at = [], 0
    parts = list(_PART.finditer(text))
    for n, m in enumerate(parts):
        word = m.group(0)
        lead = len(word) - len(word.lstrip("\"'“”‘’([¿¡"))
        core = word[lead:].rstrip("\"'“”‘’)],.;:?!")
        tail = word[lead + len(core) :]
        starts = n in (0, len(parts) - 1) or bool(_NEW_PHRASE.search(text[: m.start()]))
        if core.lower() in SKIP_WORDS and not starts:
            pass  # as written: "of the", and "of The" where the source capitalised it
        elif not any(c.isupper() for c in core):
            core = core[:1].upper() + core[1:]
        out.append(text[at : m.start()] + word[:lead] + core + tail)
        at = m.end()
    out.append(text[at:])
    return "".join(out)


__all__ = ["SKIP_WORDS", "title_case"]
