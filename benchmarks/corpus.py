"""A deterministic synthetic corpus of model entries, for benchmarks.

``generate(n_refs, n_briefs, n_cards, seed=1)`` makes references, research briefs and
practice cards with realistic titles, 60-150-word annotations, author lists, page
text, tags drawn from ``docs/vocabulary.yml`` (text and tags agree: an entry tagged
"family-engagement" talks about families) and citations between them (cards'
evidence keys, briefs' reference lists). The same seed always gives the same corpus.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equity_kb.model import Brief, Entry, Practice, Reference
from equity_kb.vocabulary import Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY = ROOT / "docs" / "vocabulary.yml"


def _words(text: str) -> list[str]:
    return text.split()


NOUNS = _words(
    """achievement accountability advisory agency alignment assessment attendance
belonging bias budget capacity caregivers climate coaching coherence collaboration
community conditions coursework credentials culture curriculum data decisions design
discipline disparities disproportionality district diversity educators engagement
enrollment equity evaluation evidence expectations families feedback funding gaps
governance grading graduation identity implementation improvement inclusion indicators
inquiry instruction interventions leadership learning literacy measures mentoring
mindsets networks norms opportunity outcomes partnership pathways pedagogy placement
policy practice principals priorities professional-development racism readiness
recruitment referrals relationships resources retention routines scheduling school
segregation sponsorship staffing standards students supports suspensions teachers
teaming tracking trust voice wellbeing workforce"""
)
ADJECTIVES = _words(
    """antiracist collaborative collective continuous culturally-responsive
district-wide equitable equity-driven exclusionary inclusive instructional iterative
local longitudinal multilingual racial race-conscious regional responsive rigorous
schoolwide shared structural sustained systemic targeted transformative urban
disaggregated community-based practitioner-led student-centred"""
)
VERBS = _words(
    """examines describes documents compares traces analyses explores reports
questions measures reviews synthesises evaluates maps considers"""
)
GERUNDS = _words(
    """building closing confronting designing examining expanding improving
leading measuring naming reducing rethinking sustaining strengthening supporting
transforming using"""
)
CONTEXT_PHRASES = [
    "urban districts",
    "rural schools",
    "county offices",
    "middle schools",
    "high schools",
    "elementary classrooms",
    "teacher unions",
    "research-practice partnerships",
    "central offices",
    "state agencies",
    "charter networks",
    "early-childhood programs",
]
METHODS = [
    "case studies of three schools",
    "interviews with teachers and leaders",
    "a survey of district staff",
    "administrative records over ten years",
    "observations of team meetings",
    "a design-based study",
    "a mixed-methods evaluation",
    "a review of prior research",
    "focus groups with students and families",
    "a regression discontinuity design",
]
FINDINGS = [
    "teams that met regularly sustained changes in practice",
    "disaggregated data made disparities harder to explain away",
    "leaders' sponsorship gave teams time and authority",
    "students of color reported a stronger sense of belonging",
    "exclusionary discipline fell where referral routines changed",
    "families took part when meetings were held in their languages",
    "detracked courses raised enrollment without lowering pass rates",
    "improvement cycles spread when schools shared what they learned",
    "coaching tied to curriculum changed everyday instruction",
    "new hiring pathways increased the number of teachers of color",
]
SURNAMES = _words(
    """Alvarez Baker Chen Davis Diaz Evans Flores Garcia Gonzalez Green Hall Harris
Hernandez Hill Ishimaru Jackson Johnson Jones Kim King Lee Lewis Lopez Martin Martinez
Moore Nguyen Okafor Ortiz Patel Perez Ramirez Reyes Robinson Rodriguez Sanchez Scott
Singh Smith Taylor Thomas Thompson Torres Walker Washington White Williams Wilson Wright
Young Zhang"""
)
GIVEN = _words(
    """Aisha Alicia Amber Ana Andre Ann Carlos Corey Daniel Darnell Elena Emily Grace
Hector Imani Jamal Jordan Kelsey Keisha Lena Luis Maria Mark Maya Miguel Nadia Omar
Priya Rosa Samuel Sofia Tanya Tomas Wei Yusuf"""
)
ORGANIZATIONS = [
    "Riverside County Office of Education",
    "Seattle Public Schools",
    "Oakland Unified School District",
    "Partnering for Racial Equity",
    "Santa Clara County Office of Education",
    "Chicago Public Schools",
    "Long Beach Unified School District",
    "Tulsa Public Schools",
]
BIBTYPES = ["article", "article", "article", "book", "techreport", "inproceedings", "misc"]
JOURNALS = [
    "American Educational Research Journal",
    "Educational Researcher",
    "Teachers College Record",
    "Urban Education",
    "Journal of Educational Change",
    "Educational Administration Quarterly",
    "Race Ethnicity and Education",
]
SECTIONS = ["What it is", "Why it matters", "How to try it", "Watch-outs"]


@dataclass
class Corpus:
    """Entries of the three types, plus the page text and URL search needs for each."""

    references: list[Reference]
    briefs: list[Brief]
    practices: list[Practice]
    bodies: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    citations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # citing key -> refs

    @property
    def entries(self) -> list[Entry]:
        return [*self.practices, *self.briefs, *self.references]

    def search_documents(self) -> list[dict[str, Any]]:
        from equity_kb.search.documents import search_document

        return [
            search_document(e, body=self.bodies[e.key], url=self.urls[e.key]) for e in self.entries
        ]


class _Writer:
    def __init__(self, rng: random.Random, vocab: Vocabulary):
        self.rng = rng
        self.vocab = vocab
        self.keywords = {
            kind: {t.id: [*t.keywords, t.label.lower()] for t in vocab.terms[kind]}
            for kind in ("tenets", "focus")
        }

    def tags(self, kind: str, low: int, high: int) -> tuple[str, ...]:
        ids = list(self.vocab.ids(kind))
        # A skewed draw, as real tagging is: the first terms are used more often.
        weights = [1.0 / (i + 1) ** 0.6 for i in range(len(ids))]
        out: list[str] = []
        for _ in range(self.rng.randint(low, high)):
            pick = self.rng.choices(ids, weights)[0]
            if pick not in out:
                out.append(pick)
        return tuple(out)

    def topic_words(self, tenets: Sequence[str], focus: Sequence[str]) -> list[str]:
        words: list[str] = []
        for t in tenets:
            words += self.keywords["tenets"].get(t, [])
        for f in focus:
            words += self.keywords["focus"].get(f, [])
        return words or NOUNS

    def title(self, topics: list[str]) -> str:
        r = self.rng
        pattern = r.randrange(4)
        topic = r.choice(topics)
        if pattern == 0:
            return (
                f"{r.choice(GERUNDS).capitalize()} {r.choice(ADJECTIVES)} {topic}: "
                f"{r.choice(NOUNS)} and {r.choice(NOUNS)} in {r.choice(CONTEXT_PHRASES)}"
            )
        if pattern == 1:
            return f"{r.choice(ADJECTIVES).capitalize()} {topic} and {r.choice(NOUNS)}"
        if pattern == 2:
            return (
                f"Toward {r.choice(ADJECTIVES)} {r.choice(NOUNS)}: {topic} "
                f"in {r.choice(CONTEXT_PHRASES)}"
            )
        return f"What {r.choice(CONTEXT_PHRASES)} learn from {r.choice(GERUNDS)} {topic}"

    def sentence(self, topics: list[str]) -> str:
        r = self.rng
        forms = [
            f"The study {r.choice(VERBS)} {r.choice(ADJECTIVES)} {r.choice(topics)} in "
            f"{r.choice(CONTEXT_PHRASES)}, drawing on {r.choice(METHODS)}.",
            f"It finds that {r.choice(FINDINGS)}.",
            f"Authors argue that {r.choice(ADJECTIVES)} {r.choice(NOUNS)} depends on "
            f"{r.choice(NOUNS)} and {r.choice(topics)}.",
            f"The work {r.choice(VERBS)} how {r.choice(NOUNS)} shapes {r.choice(topics)} "
            f"for students of color.",
            f"Practitioners will find guidance on {r.choice(GERUNDS)} {r.choice(topics)} "
            f"and {r.choice(NOUNS)}.",
            f"Evidence from {r.choice(METHODS)} suggests that {r.choice(FINDINGS)}.",
        ]
        return r.choice(forms)

    def paragraph(self, topics: list[str], low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        out: list[str] = []
        count = 0
        while count < target:
            s = self.sentence(topics)
            out.append(s)
            count += len(s.split())
        return " ".join(out)

    def person(self) -> tuple[str, str]:
        return self.rng.choice(SURNAMES), self.rng.choice(GIVEN)

    def year(self) -> int:
        return self.rng.randint(1990, 2026)


def generate(n_refs: int, n_briefs: int, n_cards: int, seed: int = 1) -> Corpus:
    """A corpus of ``n_refs`` references, ``n_briefs`` briefs and ``n_cards`` cards."""
    rng = random.Random(seed)
    vocab = load_vocabulary(VOCABULARY)
    w = _Writer(rng, vocab)
    corpus = Corpus(references=[], briefs=[], practices=[])
    used: set[str] = set()

    for _ in range(n_refs):
        tenets, focus = w.tags("tenets", 1, 3), w.tags("focus", 1, 3)
        topics = w.topic_words(tenets, focus)
        title = w.title(topics)
        persons = tuple(w.person() for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 6])))
        year = w.year()
        first_word = next(
            (x.lower() for x in title.replace(":", " ").split() if len(x) > 3), "work"
        )
        base = f"{persons[0][0].lower()}{year}{first_word}"
        key = base
        suffix = ord("a")
        while key in used:
            key = f"{base}{chr(suffix)}"
            suffix += 1
        used.add(key)
        bibtype = rng.choice(BIBTYPES)
        fields = {"title": title, "year": str(year)}
        if bibtype == "article":
            fields["journal"] = rng.choice(JOURNALS)
            fields["volume"] = str(rng.randint(1, 60))
        annotation = w.paragraph(topics, 60, 150)
        ref = Reference(
            key=key,
            title=title,
            tenets=tenets,
            focus=focus,
            levels=w.tags("levels", 1, 2),
            bibtype=bibtype,
            fields=fields,
            raw_fields=dict(fields),
            persons=persons,
            issued=year,
            annotation=annotation,
            evidence_kind=rng.choice(vocab.ids("evidence")),
        )
        corpus.references.append(ref)
        # A reference's page text is its formatted citation; the annotation is indexed
        # from the entry itself (passing it in the body too would count it twice).
        authors = "; ".join(f"{f}, {g}" for f, g in persons)
        venue = f" {fields['journal']}, {fields['volume']}." if "journal" in fields else ""
        corpus.bodies[key] = f"{authors} ({year}). {title}.{venue}"
        corpus.urls[key] = f"bibliography/{_shelf(key)}.html#ref-{key}"

    ref_keys = [r.key for r in corpus.references]
    ref_by_key = {r.key: r for r in corpus.references}

    for n in range(1, n_cards + 1):
        card_id = f"PC-{n:03d}"
        tenets, focus = w.tags("tenets", 1, 3), w.tags("focus", 1, 2)
        topics = w.topic_words(tenets, focus)
        evidence = tuple(dict.fromkeys(rng.sample(ref_keys, min(len(ref_keys), rng.randint(1, 4)))))
        card = Practice(
            key=card_id,
            title=w.title(topics),
            tenets=tenets,
            focus=focus,
            levels=w.tags("levels", 1, 3),
            summary=w.sentence(topics),
            organization=rng.choice(ORGANIZATIONS),
            evidence=evidence,
            date=dt.date(rng.randint(2015, 2026), rng.randint(1, 12), 1),
        )
        corpus.practices.append(card)
        corpus.citations[card_id] = evidence
        corpus.bodies[card_id] = _page(w, topics, evidence, ref_by_key, SECTIONS, 60, 110)
        corpus.urls[card_id] = f"practices/{card_id}.html"

    for n in range(1, n_briefs + 1):
        tenets, focus = w.tags("tenets", 1, 4), w.tags("focus", 1, 3)
        topics = w.topic_words(tenets, focus)
        title = w.title(topics)
        slug = f"brief-{n:04d}"
        key = f"briefs/{slug}"
        cites = tuple(dict.fromkeys(rng.sample(ref_keys, min(len(ref_keys), rng.randint(3, 10)))))
        brief = Brief(
            key=key,
            title=title,
            tenets=tenets,
            focus=focus,
            levels=w.tags("levels", 1, 3),
            summary=" ".join(w.sentence(topics) for _ in range(2)),
            author_names=tuple(f"{g} {f}" for f, g in (w.person() for _ in range(2))),
            date=dt.date(rng.randint(2018, 2026), rng.randint(1, 12), rng.randint(1, 28)),
            status="published",
        )
        corpus.briefs.append(brief)
        corpus.citations[key] = cites
        sections = [
            "Background",
            "What the research says",
            "What it means for schools",
            "Questions for design teams",
        ]
        corpus.bodies[key] = _page(w, topics, cites, ref_by_key, sections, 100, 180)
        corpus.urls[key] = f"{key}.html"
    return corpus


def _page(
    w: _Writer,
    topics: list[str],
    cites: Sequence[str],
    refs: dict[str, Reference],
    sections: Sequence[str],
    low: int,
    high: int,
) -> str:
    parts = []
    for heading in sections:
        text = w.paragraph(topics, low, high)
        key = w.rng.choice(list(cites))
        ref = refs[key]
        text += f" ({ref.persons[0][0]}, {ref.issued})"
        parts.append(f"{heading}\n\n{text}")
    return "\n\n".join(parts)


def _shelf(key: str) -> str:
    """References are listed on one bibliography page per initial letter."""
    return key[0] if key[:1].isalpha() else "other"


if __name__ == "__main__":
    c = generate(20, 3, 5)
    for e in c.entries[:4]:
        print(e.type, e.key, e.title, e.tenets, e.focus, e.year)
        print("  ", c.bodies[e.key][:200])
