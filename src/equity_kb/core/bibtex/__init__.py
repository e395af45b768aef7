"""The annotated bibliography: ``bib/*.bib`` files to :class:`~equity_kb.core.model.Reference`.

Two stages, so that an unchanged file costs (almost) nothing on a rebuild:

1. *Parsing* (bibtexparser, LaTeX decoding, name splitting) depends only on the
   bytes of a file. Its result is cached by a hash of those bytes, in memory and,
   when ``cache_dir`` is given, as a pickle on disk.
2. *Validation* (required fields, vocabulary, years, DOIs) depends on the parsed
   file, its path (for messages) and the vocabulary. It is cheap and memoised too.

Every problem names the file and the 1-based line of the entry, or of the field at
fault, and says what to do. One bad entry never hides the others: an entry with bad
fields still becomes a Reference with what is valid; only an entry bibtexparser
cannot read at all is dropped (and reported).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from equity_kb.core.lazy_names import lazy_names

if TYPE_CHECKING:
    from .cache import clear_cache
    from .latex import decode_latex, latex_to_csl_rich
    from .load import BibResult, load_bibliography
    from .rules import CORE_FIELDS, MONTH_MACROS, PROBLEM_CODES

# Each name's module, imported when the name is first asked for: the titles of a page's
# citations need ``latex`` alone, and an incremental build that loads no .bib file would
# otherwise load bibtexparser and the cache with it (13 ms of its start-up).
_LAZY = {
    "clear_cache": "cache",
    "decode_latex": "latex",
    "latex_to_csl_rich": "latex",
    "BibResult": "load",
    "load_bibliography": "load",
    "CORE_FIELDS": "rules",
    "MONTH_MACROS": "rules",
    "PROBLEM_CODES": "rules",
}


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "BibResult",
    "CORE_FIELDS",
    "MONTH_MACROS",
    "PROBLEM_CODES",
    "clear_cache",
    "decode_latex",
    "latex_to_csl_rich",
    "load_bibliography",
]
