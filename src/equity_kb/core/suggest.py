"""`equity-kb check --suggest-tenets`: propose tenets and focus areas for an entry from
the vocabulary's keywords and descriptions, saying which words led to each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .frontmatter import split_front_matter
from .vocabulary import Term, Vocabulary

STOP = set(
    [
        "a",
        "about",
        "across",
        "all",
        "also",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "each",
        "every",
        "for",
        "from",
        "has",
        "have",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "more",
        "most",
        "no",
        "not",
        "of",
        "on",
        "one",
        "or",
        "other",
        "our",
        "out",
        "over",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "up",
        "use",
        "used",
        "uses",
        "using",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "well",
    ]
)
KEYWORD_WEIGHT = 1.0
DESCRIPTION_WEIGHT = 0.34  # a word of a description is weaker evidence than a keyword
THRESHOLD = 1.0


@dataclass(frozen=True)
class Suggestion:
    kind: str
    term: str
    score: float
    because: tuple[str, ...]  # the words in the text that matched, most frequent first


def _pattern(phrase: str) -> re.Pattern[str]:
    # Whole words, allowing common endings (-s, -es, -ed, -ing), so "disaggregate"
    # also matches "disaggregated".
    words = [re.escape(w) for w in phrase.lower().split()]
    body = r"\s+".join(words)
    return re.compile(rf"\b{body}(?:s|es|d|ed|ing)?\b")


def _description_words(term: Term) -> list[str]:
    words = re.findall(r"[a-z][a-z-]{4,}", f"{term.label} {term.description}".lower())
    return [w for w in dict.fromkeys(words) if w not in STOP]


def suggest(
    text: str, vocabulary: Vocabulary, kinds: tuple[str, ...] = ("tenets", "focus")
) -> list[Suggestion]:
    """Terms whose keywords (or description words) occur in ``text``, best first."""
    split = split_front_matter(text)
    if split is not None:  # tags already in the front matter must not suggest themselves
        text = "\n".join(
            line
            for line in text.splitlines()
            if not re.match(r"^(tenets|focus|levels|evidence|id)\s*:", line)
        )
    lowered = text.lower()
    out: list[Suggestion] = []
    for kind in kinds:
        for term in vocabulary.terms[kind]:
            score = 0.0
            hits: dict[str, int] = {}
            for phrase, weight in [(k, KEYWORD_WEIGHT) for k in term.keywords] + [
                (w, DESCRIPTION_WEIGHT) for w in _description_words(term)
            ]:
                n = len(_pattern(phrase).findall(lowered))
                if n:
                    score += weight * min(n, 3)  # repetition helps, but not without limit
                    hits[phrase] = hits.get(phrase, 0) + n
            if score >= THRESHOLD:
                because = tuple(sorted(hits, key=lambda w: -hits[w]))
                out.append(Suggestion(kind, term.id, round(score, 2), because))
    return sorted(out, key=lambda s: (s.kind != "tenets", -s.score, s.term))


def write_suggestions(text: str, additions: dict[str, list[str]]) -> str:
    """Add suggested ids to the flow-style lists (``tenets: [a, b]``) in front matter."""
    split = split_front_matter(text)
    if split is None:
        raise ValueError("the file has no front matter to add tags to")
    _, end = split
    lines = text.splitlines(keepends=True)
    for key, ids in additions.items():
        if not ids:
            continue
        for i in range(1, end - 1):
            m = re.match(rf"^{key}\s*:\s*\[(.*?)\](.*)$", lines[i].rstrip("\n"))
            if m:
                current = [
                    v.strip() for v in m.group(1).split(",") if v.strip() and v.strip() != "TODO"
                ]
                merged = list(dict.fromkeys(current + ids))
                lines[i] = f"{key}: [{', '.join(merged)}]{m.group(2)}\n"
                break
            if re.match(rf"^{key}\s*:", lines[i]):
                raise ValueError(f"'{key}' is not written as [a, b]; add the tags by hand")
        else:
            lines.insert(end - 1, f"{key}: [{', '.join(ids)}]\n")
            end += 1
    return "".join(lines)
