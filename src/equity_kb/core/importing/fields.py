"""An exported entry's fields as the bibliography gets them: written from the export's raw
text, in its order, except that notes become the annotation, Zotero tags name tenets,
focus areas and levels, keys follow their entries, and what is not known (a placeholder
such as TODO, a core field the export lacks) is left out for ``equity-kb check`` to
report, never written as a placeholder that a page or a download could show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from equity_kb.core.bibtex import CORE_FIELDS
from equity_kb.core.bibtex.rules import PLACEHOLDERS
from equity_kb.core.model import Reference
from equity_kb.core.vocabulary import FACETS, Vocabulary

from .tags import map_keywords, split_keywords
from .text import bibtex_value, html_to_text

NOTE_FIELDS = frozenset({"annote", "annotation"})  # Zotero's notes: the annotation
DROPPED_FIELDS = frozenset({"file"})  # paths into one person's Zotero storage
KEY_FIELDS = frozenset({"crossref", "xdata"})  # keys of other entries, renamed with them
OURS = ("evidence", "provenance")  # our own fields an export of ours already has


@dataclass(frozen=True)
class Written:
    """The fields to write, and what the entry still lacks."""

    raw: dict[str, str]
    missing: tuple[str, ...]  # core fields of its type, "year or date": left out
    needs: tuple[str, ...]  # what `equity-kb check` will ask for: those, annotation, tenets
    left_out: tuple[str, ...]  # fields whose value was a placeholder such as TODO
    unmatched: tuple[str, ...]  # tags that name no vocabulary term, kept in keywords


def is_placeholder(value: str) -> bool:
    return value.strip().strip(".!:").lower() in PLACEHOLDERS


def written_fields(
    ref: Reference, keys: Mapping[str, str], vocabulary: Vocabulary, provenance: str
) -> Written:
    """``ref`` (as the loader read it from the export) as the import writes it. ``keys``
    maps a lower-case key of the export to the key its entry has in the bibliography;
    ``provenance`` is the import's own sentence, added to a complete entry's."""
    raw: dict[str, str] = {}
    notes: list[str] = []
    tags: dict[str, list[str]] = {kind: [] for kind in FACETS}
    unmatched: tuple[str, ...] = ()
    ours: dict[str, str] = {}
    left_out: list[str] = []
    for name, value in ref.raw_fields.items():
        if name in NOTE_FIELDS:
            note = html_to_text(ref.fields.get(name, value))  # decoded from LaTeX
            if note and not is_placeholder(note):
                notes.append(note)
        elif name in FACETS:
            tags[name].extend(t for t in split_keywords(value) if not is_placeholder(t))
        elif name == "keywords":
            mapped = map_keywords(value, vocabulary)
            for kind, ids in mapped.ids.items():
                tags[kind].extend(i for i in ids if i not in tags[kind])
            unmatched = mapped.unmatched
            if unmatched:
                raw["keywords"] = ", ".join(unmatched)
        elif is_placeholder(value):
            left_out.append(name)
        elif name in OURS:
            ours[name] = value
        elif name in KEY_FIELDS:
            raw[name] = ", ".join(keys.get(k.lower(), k) for k in split_keywords(value))
        elif name not in DROPPED_FIELDS:
            raw[name] = value  # as the loader gives it: @string macros already resolved
    missing = _missing_core_fields(ref)
    needs = list(missing)
    if notes:
        raw["annotation"] = bibtex_value("\n\n".join(notes))
    else:
        needs.append("annotation")
    for kind in FACETS:  # focus areas and levels are optional; every entry needs a tenet
        if tags[kind]:
            raw[kind] = ", ".join(dict.fromkeys(tags[kind]))
        elif kind == "tenets":
            needs.append(kind)
    if "evidence" in ours:
        raw["evidence"] = ours["evidence"]
    # A provenance tells the loader that a missing field is known to be missing (then it
    # reports a note, not an error). The import knows nothing about why a field is
    # missing, so an incomplete entry gets none of its own: `check` reports it as an
    # error until someone adds the field or writes why the source lacks it.
    said = [ours["provenance"]] if "provenance" in ours else []
    if not missing:
        said.append(bibtex_value(provenance))
    if said:
        raw["provenance"] = " ".join(said)
    return Written(raw, missing, tuple(needs), tuple(left_out), unmatched)


def _missing_core_fields(ref: Reference) -> tuple[str, ...]:
    """The core fields of the entry's type it gives no value for (one name, or the
    alternatives, "year or date"); inherited fields count, placeholders do not."""
    given = {name for name, text in ref.fields.items() if text.strip() and not is_placeholder(text)}
    rules = CORE_FIELDS.get(ref.bibtype, CORE_FIELDS["misc"])
    return tuple(" or ".join(alts) for alts in rules if not given & set(alts))
