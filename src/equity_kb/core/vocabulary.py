"""The partnership's vocabulary (tenets, focus areas, levels, kinds of evidence).

It is data, in a YAML file authors edit (``docs/vocabulary.yml``); this module loads
it once, checks it and answers the questions validation and pages ask of it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .model import Problem

FACETS = ("tenets", "focus", "levels")
KINDS = ("tenets", "focus", "levels", "evidence")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KIND_NAMES = {
    "tenets": "tenet",
    "focus": "focus area",
    "levels": "level",
    "evidence": "kind of evidence",
}


class VocabularyError(Exception):
    """The vocabulary file itself is wrong; nothing can be validated against it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    description: str = ""
    why: str = ""
    keywords: tuple[str, ...] = ()
    # Other names the term goes by (a Zotero tag, say); matched like the id and label.
    aliases: tuple[str, ...] = ()


_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """``text`` for matching names: case, accents, punctuation and spacing ignored
    ("Culturally-Responsive Teaching" and "culturally responsive teaching" fold alike)."""
    letters = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in letters if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", letters.casefold()).strip()


def _names(term: Term) -> tuple[str, ...]:
    return (term.id, term.label, *term.aliases)


@dataclass(frozen=True)
class Vocabulary:
    """Terms of each kind, in the order the file lists them."""

    terms: dict[str, tuple[Term, ...]]
    source: str = ""
    _index: dict[str, dict[str, Term]] = field(default_factory=dict, compare=False, repr=False)
    # Terms by folded id, label and alias; parse_vocabulary checks that no alias is ambiguous.
    _by_name: dict[str, dict[str, Term]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for kind, terms in self.terms.items():
            self._index[kind] = {t.id: t for t in terms}
            # Reversed: where two labels fold alike (not an alias), the first term wins.
            self._by_name[kind] = {fold(n): t for t in reversed(terms) for n in _names(t)}

    def ids(self, kind: str) -> tuple[str, ...]:
        return tuple(t.id for t in self.terms.get(kind, ()))

    def get(self, kind: str, term_id: str) -> Term | None:
        return self._index.get(kind, {}).get(term_id)

    def find(self, kind: str, name: str) -> Term | None:
        """The term whose id, label or alias is ``name``, ignoring case and punctuation."""
        return self._by_name.get(kind, {}).get(fold(name))

    def label(self, kind: str, term_id: str) -> str:
        term = self.get(kind, term_id)
        return term.label if term else term_id

    def closest(self, kind: str, value: str) -> str | None:
        """The valid id most like ``value``, for 'did you mean' hints."""
        ids = self.ids(kind)
        lowered = value.strip().lower().replace(" ", "-").replace("_", "-")
        if lowered in ids:
            return lowered
        # Labels and aliases lead to their id too: an author who writes "Data use" in
        # front matter, where ids go, is told the id it stands for.
        by_label = {
            name.lower(): t.id for t in self.terms.get(kind, ()) for name in (t.label, *t.aliases)
        }
        match = difflib.get_close_matches(lowered, [*ids, *by_label], n=1, cutoff=0.5)
        if not match:
            return None
        return by_label.get(match[0], match[0])

    def unknown_message(self, kind: str, value: str) -> str:
        name = KIND_NAMES[kind]
        hint = self.closest(kind, value)
        valid = ", ".join(self.ids(kind))
        if hint:
            return f"unknown {name} {value!r}: did you mean {hint!r}? (valid: {valid})"
        return f"unknown {name} {value!r} (valid: {valid})"


# LibYAML's safe loader where PyYAML has it: ten times the pure-Python one, which took
# 60 ms of every build's start-up on the shipped vocabulary.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_vocabulary(text: str, source: str = "vocabulary.yml") -> Vocabulary:
    """Parse and check vocabulary YAML; raise VocabularyError listing every problem."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise VocabularyError(
            [Problem(source, line, f"the vocabulary is not valid YAML: {err}", "vocabulary")]
        ) from err
    problems: list[Problem] = []
    data = yaml.load(text, Loader=_LOADER) or {}  # a safe loader, C or Python
    lines = _key_lines(root)
    if not isinstance(data, dict):
        raise VocabularyError(
            [Problem(source, 1, "the vocabulary must be a mapping of kinds to lists", "vocabulary")]
        )
    terms: dict[str, tuple[Term, ...]] = {}
    for kind in KINDS:
        items = data.get(kind)
        kline = lines.get((kind,), 1)
        if not isinstance(items, list) or not items:
            problems.append(
                Problem(source, kline, f"'{kind}' must be a non-empty list of terms", "vocabulary")
            )
            continue
        seen: set[str] = set()
        named: dict[str, tuple[str, bool]] = {}  # folded name -> (term id, is it an alias)
        out = []
        for i, item in enumerate(items):
            iline = lines.get((kind, i), kline)
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                problems.append(
                    Problem(source, iline, f"each {KIND_NAMES[kind]} needs an 'id'", "vocabulary")
                )
                continue
            tid = item["id"]
            if not _ID.match(tid):
                problems.append(
                    Problem(
                        source,
                        iline,
                        f"{KIND_NAMES[kind]} id {tid!r} must be lower-case words joined by hyphens",
                        "vocabulary",
                    )
                )
            if tid in seen:
                problems.append(
                    Problem(
                        source, iline, f"{KIND_NAMES[kind]} {tid!r} is listed twice", "vocabulary"
                    )
                )
            seen.add(tid)
            if not isinstance(item.get("label"), str) or not item["label"].strip():
                problems.append(
                    Problem(
                        source, iline, f"{KIND_NAMES[kind]} {tid!r} needs a 'label'", "vocabulary"
                    )
                )
            keywords = item.get("keywords") or []
            aliases, alias_problems = _aliases(item, kind, tid, named, source, iline)
            problems.extend(alias_problems)
            out.append(
                Term(
                    id=tid,
                    label=str(item.get("label") or tid),
                    description=str(item.get("description") or "").strip(),
                    why=str(item.get("why") or "").strip(),
                    keywords=tuple(str(k) for k in keywords),
                    aliases=aliases,
                )
            )
        terms[kind] = tuple(out)
    if problems:
        raise VocabularyError(problems)
    return Vocabulary(terms=terms, source=source)


def _aliases(
    item: dict[str, object],
    kind: str,
    tid: str,
    named: dict[str, tuple[str, bool]],
    source: str,
    line: int,
) -> tuple[tuple[str, ...], list[Problem]]:
    """A term's ``aliases``, checked: a list of names, none of them naming another term of
    the same kind (a Zotero tag must map to one term). ``named`` collects every folded id,
    label and alias seen so far in this kind."""
    name = KIND_NAMES[kind]
    raw = item.get("aliases", [])
    problems: list[Problem] = []
    if not isinstance(raw, list) or not all(isinstance(a, str) and fold(a) for a in raw):
        problems.append(
            Problem(
                source,
                line,
                f"the aliases of {name} {tid!r} must be a list of names, like "
                "aliases: [Central office, District office]",
                "vocabulary",
            )
        )
        raw = []
    aliases = tuple(a.strip() for a in raw)
    own = [(tid, False), (str(item.get("label") or tid), False), *((a, True) for a in aliases)]
    for text, is_alias in own:
        other, other_is_alias = named.setdefault(fold(text), (tid, is_alias))
        if other != tid and (is_alias or other_is_alias):
            problems.append(
                Problem(
                    source,
                    line,
                    f"{text!r} of {name} {tid!r} is also an id, label or alias of {name} "
                    f"{other!r} (ignoring case and punctuation): an alias must name one term",
                    "vocabulary",
                )
            )
    return aliases, problems


def load_vocabulary(path: str | Path) -> Vocabulary:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise VocabularyError(
            [Problem(str(path), 0, f"cannot read the vocabulary: {err}", "vocabulary")]
        ) from err
    return parse_vocabulary(text, str(path))


def _key_lines(root: yaml.Node | None) -> dict[tuple[object, ...], int]:
    """1-based lines of top-level keys and of list items under them."""
    lines: dict[tuple[object, ...], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for knode, vnode in root.value:
        kind = knode.value
        lines[(kind,)] = knode.start_mark.line + 1
        if isinstance(vnode, yaml.SequenceNode):
            for i, item in enumerate(vnode.value):
                lines[(kind, i)] = item.start_mark.line + 1
    return lines
