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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equity_kb.core.model import Brief, Entry, Person, Practice, Reference
from equity_kb.core.vocabulary import Vocabulary, load_vocabulary

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
            persons=tuple(Person(*p) for p in persons),
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


# -- whole sites on disk, for build benchmarks ------------------------------------------
#
# ``write_site(dest, scale)`` writes a complete site for our build (pages, bibliography,
# vocabulary, conf.py); ``write_plain(dest, scale)`` writes the same pages with a conf.py
# for plain Sphinx (MyST, sphinx-design, furo; no equity_kb). ``write_bib(path, n)``
# writes just the .bib (``bib_text(n)`` returns its text), and ``write_cards(dest, n)``
# just practice cards and a home page listing them (no conf.py, no bibliography). All of
# it is deterministic (same scale and seed, same bytes) and valid: a build of any scale
# gives no warnings.

# Shipped size (scale 1) and the "100x" size of the issue "Scale"; other scales are
# interpolated between these log-linearly (so 10x is 105 briefs, 283 cards, 728 references).
SHIPPED_SIZE = (11, 32, 53)  # briefs, cards, references
SIZE_AT_100X = (1000, 2500, 10000)

# The settings both builds of a synthetic site share (theme, MyST, output).
_SHARED_CONF = """author = "Equity KB benchmarks"
html_baseurl = "http://127.0.0.1:8000/"
exclude_patterns = ["_build", "vocabulary.yml"]
myst_title_to_header = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = "Equity KB"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
"""

KB_CONF = (
    '''"""Synthetic Equity KB site for benchmarks (written by benchmarks/corpus.py)."""

project = "Equity KB (synthetic, {label})"
extensions = ["equity_kb"]
kb_vocabulary = "docs/vocabulary.yml"
kb_bibliography = ["bib/*.bib"]
'''
    + _SHARED_CONF
)

# Plain Sphinx on the same pages: our directives are unknown to it (MyST renders each as
# a literal block and warns; suppressed), citations are plain inline text, and entry pages
# are in no toctree ("toc" warnings suppressed).
PLAIN_CONF = (
    '''"""The same pages for plain Sphinx (written by benchmarks/corpus.py)."""

project = "Equity KB (synthetic, {label}, plain Sphinx)"
extensions = ["myst_parser", "sphinx_design"]
'''
    + _SHARED_CONF
    + """suppress_warnings = ["myst", "docutils", "toc"]


def setup(app):
    # {cite:p} and {cite:t} as plain inline text, as a minimal "cite" domain (a role of an
    # unknown domain warns, without a type that suppress_warnings could name).
    from docutils import nodes
    from docutils.parsers.rst import roles
    from sphinx.domains import Domain

    class CiteAsText(Domain):
        name = "cite"
        label = "Citations as plain text"
        roles = {k: roles.GenericRole(f"cite:{k}", nodes.inline) for k in ("p", "t")}

        def merge_domaindata(self, docnames, otherdata):
            pass

    app.add_domain(CiteAsText)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
"""
)

# Authors' names as BibTeX has them (some with LaTeX accents), and a plain ASCII
# spelling for citation keys.
BIB_SURNAMES = [(s, s.lower()) for s in SURNAMES] + [
    (r"M{\'e}ndez", "mendez"),
    (r"Nu{\~n}ez", "nunez"),
    (r"G{\"o}mez", "gomez"),
    (r"Mu{\~n}oz", "munoz"),
    (r"Garc{\'\i}a", "garcia"),
    (r"Ferr{\'e}", "ferre"),
    (r"Fran{\c{c}}ois", "francois"),
    (r"Bj{\"o}rk", "bjork"),
    (r"Ib{\'a}{\~n}ez", "ibanez"),
    (r"Le{\'o}n", "leon"),
]
BIB_GIVEN = [*GIVEN, r"Jos{\'e}", r"Ren{\'e}e", r"Zo{\"e}", r"In{\'e}s"]
BIB_TYPES = (
    ["article"] * 8
    + ["techreport"] * 3
    + ["book"] * 2
    + ["incollection"] * 2
    + ["inproceedings"] * 2
    + ["phdthesis"]
    + ["misc"] * 2
)
BIB_JOURNALS = [*JOURNALS, r"Race Ethnicity {\&} Education", "Journal of Teacher Education"]
PUBLISHERS = ["Harvard Education Press", "Teachers College Press", "Routledge", "Corwin"]
INSTITUTIONS = ["WestEd", "RAND Corporation", "Learning Policy Institute", "MDRC"]
UNIVERSITIES = ["University of Washington", "Stanford University", "University of Michigan"]
PROVENANCE = [
    "Synthetic entry written by benchmarks/corpus.py; details come from its generator.",
    "Synthetic entry (benchmarks/corpus.py): as if copied from the work's title page.",
    "Synthetic entry (benchmarks/corpus.py): as if copied from a citing brief's reference list.",
]
BRIEF_SECTIONS = [
    "Background",
    "What the research says",
    "Where the evidence is thin",
    "What it means for classrooms",
    "What it means for schools",
    "What it means for districts",
    "Voices from practice",
    "Questions for design teams",
    "Getting started",
]
CARD_STEPS = [
    "Start from {t} data disaggregated by race and name one gap to work on.",
    "Set aside regular time for the team to meet, and protect it from other business.",
    "Invite students and families to say how {t} looks from where they stand.",
    "Agree on one small change to try and how you will know whether it helped.",
    "Look at the results together after four to six weeks and decide what to keep.",
    "Share what you learned with another school working on {t}.",
    "Ask a leader to sponsor the work and to clear obstacles the team names.",
]
CARD_WATCHOUTS = [
    "Averages can hide who is left out: look at results for each group of students.",
    "A change that depends on one enthusiastic person fades when that person moves on.",
    "Do not ask students or families for their views unless you can act on them.",
    "Keep the focus on systems and routines, not on blaming individual students.",
    "Small samples move a lot from term to term; look for patterns over time.",
    "Teams need time and authority, not only good intentions.",
]


@dataclass
class _SiteRef:
    key: str
    text: str  # the BibTeX entry


def site_size(scale: float) -> tuple[int, int, int]:
    """(briefs, cards, references) at ``scale`` (1 = the shipped site)."""
    import math

    t = math.log(scale) / math.log(100) if scale > 0 else 0.0
    return tuple(  # type: ignore[return-value]
        max(1, round(one * (hundred / one) ** t))
        for one, hundred in zip(SHIPPED_SIZE, SIZE_AT_100X, strict=True)
    )


def _yaml_str(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _yaml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


class _SiteWriter(_Writer):
    """Page and BibTeX text for a site: prose with citations, lists, front matter."""

    def sentences(self, topics: list[str], words: int) -> list[str]:
        out: list[str] = []
        count = 0
        while count < words:
            s = self.sentence(topics)
            out.append(s)
            count += len(s.split())
        return out

    def cite(self, keys: Sequence[str], n: int = 1) -> str:
        chosen = list(dict.fromkeys(self.rng.choice(keys) for _ in range(n)))
        return ",".join(chosen)

    def with_citations(self, sentences: list[str], keys: Sequence[str], n: int) -> list[str]:
        """Put ``n`` citations into the sentences: (Author, Year) at a sentence's end,
        or "Author (Year) report that ..." in front of it. No ``keys``, no citations."""
        out = list(sentences)
        if not keys:
            return out
        slots = self.rng.sample(range(len(out)), min(n, len(out)))
        for i in slots:
            s = out[i]
            if self.rng.random() < 0.25:
                s = f"{{cite:t}}`{self.cite(keys)}` found that {self.rng.choice(FINDINGS)}."
            else:
                k = 2 if self.rng.random() < 0.2 else 1
                s = f"{s[:-1]} {{cite:p}}`{self.cite(keys, k)}`."
            out[i] = s
        return out

    def bib_name(self) -> tuple[str, str]:
        family, ascii_family = self.rng.choice(BIB_SURNAMES)
        given = self.rng.choice(BIB_GIVEN)
        name = f"{family}, {given}" if self.rng.random() < 0.8 else f"{given} {family}"
        return name, ascii_family


def _bib_references(w: _SiteWriter, n: int) -> list[_SiteRef]:
    r = w.rng
    refs: list[_SiteRef] = []
    used: set[str] = set()
    evidence = w.vocab.ids("evidence")
    for i in range(n):
        tenets, focus = w.tags("tenets", 1, 3), w.tags("focus", 1, 3)
        levels = w.tags("levels", 1, 2)
        topics = w.topic_words(tenets, focus)
        title = w.title(topics)
        if r.random() < 0.15:  # a protected acronym, as authors write them
            words = title.split()
            words.insert(r.randrange(1, len(words) + 1), "{RPP}")
            title = " ".join(words)
        names = [w.bib_name() for _ in range(r.choice([1, 1, 2, 2, 2, 3, 3, 4, 5, 6]))]
        year = r.randint(1990, 2025)
        first_word = next(
            (
                "".join(c for c in x.lower() if c.isalpha())
                for x in title.split()
                if len(x) > 3 and x.isalpha()
            ),
            "work",
        )
        base = f"{names[0][1]}{year}{first_word}"
        key, suffix = base, 0
        while key in used:
            suffix += 1
            key = f"{base}{_letters(suffix)}"
        used.add(key)
        bibtype = r.choice(BIB_TYPES)
        fields = {"author": " and ".join(name for name, _ in names), "title": title}
        if bibtype == "article":
            fields["journal"] = r.choice(BIB_JOURNALS)
            fields["volume"] = str(r.randint(1, 60))
            fields["number"] = str(r.randint(1, 6))
            start = r.randint(1, 900)
            fields["pages"] = f"{start}--{start + r.randint(8, 40)}"
            if r.random() < 0.6:
                fields["doi"] = f"10.{r.randint(1000, 9999)}/{r.randint(10**6, 10**7)}"
        elif bibtype == "techreport":
            fields["institution"] = r.choice(INSTITUTIONS)
        elif bibtype == "book":
            fields["publisher"] = r.choice(PUBLISHERS)
        elif bibtype == "incollection":
            fields["booktitle"] = "The Handbook of " + w.title(topics).split(":")[0]
            fields["publisher"] = r.choice(PUBLISHERS)
        elif bibtype == "inproceedings":
            fields["booktitle"] = (
                f"Annual Meeting of the American Educational Research Association {year}"
            )
        elif bibtype == "phdthesis":
            fields["school"] = r.choice(UNIVERSITIES)
        else:
            fields["howpublished"] = "Web page"
            fields["url"] = f"https://example.org/resources/{i}"
        fields["year"] = str(year)
        fields["annotation"] = " ".join(w.sentences(topics, r.randint(40, 105)))
        fields["tenets"] = ", ".join(tenets)
        fields["focus"] = ", ".join(focus)
        fields["levels"] = ", ".join(levels)
        fields["evidence"] = r.choice(evidence)
        fields["provenance"] = r.choice(PROVENANCE)
        body = ",\n".join(f"  {k:<11} = {{{v}}}" for k, v in fields.items())
        refs.append(_SiteRef(key, f"@{bibtype}{{{key},\n{body},\n}}\n"))
    return refs


def _letters(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa: the suffixes that tell same-base keys apart."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


def write_bib(path: Path, n_refs: int, seed: int = 1) -> list[str]:
    """Write a .bib of ``n_refs`` valid, realistic references; return their keys."""
    w = _SiteWriter(random.Random(seed), load_vocabulary(VOCABULARY))
    refs = _bib_references(w, n_refs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_bib_text(refs, seed), encoding="utf-8")
    return [ref.key for ref in refs]


def bib_text(n_refs: int, seed: int = 1, *, vocabulary: Vocabulary | None = None) -> str:
    """The text ``write_bib(path, n_refs, seed)`` writes: ``n_refs`` references of seven
    types, 1-6 authors (about a quarter of names with LaTeX accents), a protected
    ``{RPP}`` word in about 15% of titles, 40-120-word annotations, tags from
    ``docs/vocabulary.yml`` (or ``vocabulary``, that file already loaded)."""
    w = _SiteWriter(random.Random(seed), vocabulary or load_vocabulary(VOCABULARY))
    return _bib_text(_bib_references(w, n_refs), seed)


def _bib_text(refs: Sequence[_SiteRef], seed: int) -> str:
    head = f"% Synthetic annotated bibliography: {len(refs)} references (seed {seed}).\n\n"
    return head + "\n".join(ref.text for ref in refs)


def _brief_page(w: _SiteWriter, keys: Sequence[str], others: Sequence[str]) -> str:
    r = w.rng
    tenets, focus = w.tags("tenets", 1, 3), w.tags("focus", 1, 3)
    topics = w.topic_words(tenets, focus)
    sections = r.sample(BRIEF_SECTIONS, r.randint(3, 6))
    total = r.randint(560, 1020)
    per_section = total // len(sections)
    n_cites = r.randint(5, 15)
    cites = list(dict.fromkeys(r.sample(keys, min(len(keys), r.randint(3, 10)))))
    # Citations spread over the sections; at least one in each of the first three.
    spread = [1] * min(3, len(sections)) + [0] * (len(sections) - min(3, len(sections)))
    for _ in range(n_cites - sum(spread)):
        spread[r.randrange(len(sections))] += 1
    parts = []
    for heading, k in zip(sections, spread, strict=True):
        paras = []
        n_paras = r.randint(1, 3)
        sentences = w.with_citations(w.sentences(topics, per_section), cites, k)
        size = max(1, len(sentences) // n_paras)
        for j in range(0, len(sentences), size):
            paras.append(" ".join(sentences[j : j + size]))
        if heading == "Questions for design teams":
            paras.append(
                "\n".join(
                    f"- How could your team use {r.choice(topics)} to address "
                    f"{r.choice(NOUNS)} in {r.choice(CONTEXT_PHRASES)}?"
                    for _ in range(r.randint(3, 5))
                )
            )
        if heading == "Background" and others:
            paras.append(f"See also {{doc}}`{r.choice(others)}`.")
        parts.append(f"## {heading}\n\n" + "\n\n".join(paras))
    authors = [f"{g} {f}" for f, g in (w.person() for _ in range(r.randint(1, 3)))]
    date = dt.date(r.randint(2018, 2026), r.randint(1, 12), r.randint(1, 28))
    front = "\n".join(
        [
            "---",
            f"title: {_yaml_str(w.title(topics))}",
            f"authors: {_yaml_list(authors)}",
            f"date: {date.isoformat()}",
            f"tenets: {_yaml_list(tenets)}",
            f"focus: {_yaml_list(focus)}",
            f"levels: {_yaml_list(w.tags('levels', 1, 3))}",
            f"summary: {_yaml_str(' '.join(w.sentence(topics) for _ in range(2)))}",
            f"status: {r.choice(['published', 'published', 'published', 'in-review', 'draft'])}",
            "---",
        ]
    )
    return front + "\n\n" + "\n\n".join(parts) + "\n"


def _card_page(w: _SiteWriter, card_id: str, keys: Sequence[str]) -> str:
    """A practice card citing some of ``keys`` as its evidence (none if ``keys`` is empty:
    no evidence field and no citations)."""
    r = w.rng
    tenets, focus = w.tags("tenets", 1, 3), w.tags("focus", 1, 2)
    topics = w.topic_words(tenets, focus)
    evidence = list(dict.fromkeys(r.sample(keys, min(len(keys), r.randint(1, 4)))))
    topic = r.choice(topics)
    what = " ".join(w.sentences(topics, r.randint(80, 130)))
    why = " ".join(w.with_citations(w.sentences(topics, r.randint(60, 120)), evidence, 2))
    steps = "\n".join(
        f"{i}. {s.format(t=topic)}"
        for i, s in enumerate(r.sample(CARD_STEPS, r.randint(3, 5)), start=1)
    )
    watch = "\n".join(f"- {s}" for s in r.sample(CARD_WATCHOUTS, r.randint(2, 4)))
    date = dt.date(r.randint(2015, 2026), r.randint(1, 12), 1)
    front = "\n".join(
        [
            "---",
            f"id: {card_id}",
            f"title: {_yaml_str(w.title(topics))}",
            f"tenets: {_yaml_list(tenets)}",
            f"focus: {_yaml_list(focus)}",
            f"levels: {_yaml_list(w.tags('levels', 1, 3))}",
            f"organization: {r.choice(ORGANIZATIONS)}",
            *([f"evidence: {_yaml_list(evidence)}"] if evidence else []),
            f"summary: {_yaml_str(w.sentence(topics))}",
            f"date: {date.isoformat()}",
            "---",
        ]
    )
    body = (
        f"## What it is\n\n{what}\n\n## Why it matters\n\n{why}\n\n"
        f"## How to try it\n\n{steps}\n\n## Watch-outs\n\n{watch}\n"
    )
    return front + "\n" + body


def _card_pages(w: _SiteWriter, practices: Path, n_cards: int, keys: Sequence[str]) -> list[str]:
    """Write cards ``PC-001`` ... into ``practices``; return their ids."""
    practices.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(n_cards)))
    ids = [f"PC-{n:0{width}d}" for n in range(1, n_cards + 1)]
    for card_id in ids:
        (practices / f"{card_id}.md").write_text(_card_page(w, card_id, keys), encoding="utf-8")
    return ids


def write_cards(dest: Path, n_cards: int, seed: int = 1, *, toctree: bool = True) -> list[str]:
    """Write ``n_cards`` practice cards (``dest/practices/PC-NNN.md``) and a home page
    (``dest/index.md``) listing them; return the cards' ids.

    The cards are those of ``write_site`` but cite nothing (no evidence field, no
    citations), so they build without a bibliography, with our conf.py or a plain one.
    ``toctree``: the home page lists the cards in a glob toctree (every page's sidebar then
    holds all the cards, so navigation grows quadratically); without it, the home page
    links to each card in a plain list, the way our site lists entries. No conf.py is
    written: build with ``sphinx-build -c CONFDIR DEST OUT``.
    """
    dest = Path(dest)
    w = _SiteWriter(random.Random(seed), load_vocabulary(VOCABULARY))
    ids = _card_pages(w, dest / "practices", n_cards, [])
    listing = (
        "```{toctree}\n:glob:\n\npractices/*\n```\n"
        if toctree
        else "".join(f"- [{card_id}](practices/{card_id}.md)\n" for card_id in ids)
    )
    (dest / "index.md").write_text(f"---\ntitle: Home\n---\n\n{listing}", encoding="utf-8")
    return ids


def _section_pages(docs: Path) -> list[str]:
    """Copy the shipped section pages (every top-level page the home page's toctree lists,
    but not about/, which is prose about the partnership) and write the home page with the
    shipped structure; return the docnames written."""
    shipped = ROOT / "docs"
    home = (shipped / "index.md").read_text(encoding="utf-8")
    kept: list[str] = []
    lines = []
    in_toctree = False
    for line in home.splitlines():
        if line.startswith("```{toctree}"):
            in_toctree = True
        elif in_toctree and line.startswith("```"):
            in_toctree = False
        elif in_toctree and line.strip() and not line.startswith(":"):
            name = line.strip()
            if name.startswith("about/") or not (shipped / f"{name}.md").is_file():
                continue  # the toctree without about/
            kept.append(name)
        lines.append(line)
    home = "\n".join(lines)
    (docs / "index.md").write_text(home + "\n", encoding="utf-8")
    for name in kept:
        target = docs / f"{name}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((shipped / f"{name}.md").read_text(encoding="utf-8"), encoding="utf-8")
    return ["index", *kept]


def write_site(dest: Path, scale: float, seed: int = 1, *, plain: bool = False) -> dict[str, Any]:
    """Write a complete site at ``scale`` (1 = the shipped size) into ``dest``.

    ``dest/conf.py`` (for our build, or with ``plain`` for plain Sphinx), ``dest/docs``
    (home page and section pages with the shipped structure, ``briefs/*.md``,
    ``practices/PC-NNN.md``, ``vocabulary.yml``) and ``dest/bib/synthetic.bib``. Build with
    ``sphinx-build -c DEST DEST/docs DEST/_build/html``. Returns what was written and what
    the benchmarks edit: ``edit_brief`` (a brief's path) and ``edit_reference`` (a key that
    brief cites).
    """
    import shutil

    n_briefs, n_cards, n_refs = site_size(scale)
    dest = Path(dest)
    docs = dest / "docs"
    (docs / "briefs").mkdir(parents=True, exist_ok=True)
    (docs / "practices").mkdir(parents=True, exist_ok=True)
    label = f"{scale:g}x"
    conf = PLAIN_CONF if plain else KB_CONF
    (dest / "conf.py").write_text(conf.replace("{label}", label), encoding="utf-8")
    shutil.copyfile(VOCABULARY, docs / "vocabulary.yml")
    sections = _section_pages(docs)

    w = _SiteWriter(random.Random(seed), load_vocabulary(VOCABULARY))
    refs = _bib_references(w, n_refs)
    (dest / "bib").mkdir(exist_ok=True)
    bib = dest / "bib" / "synthetic.bib"
    bib.write_text(_bib_text(refs, seed), encoding="utf-8")
    keys = [ref.key for ref in refs]

    _card_pages(w, docs / "practices", n_cards, keys)
    briefs: list[Path] = []
    for n in range(1, n_briefs + 1):
        slug = f"brief-{n:04d}"
        others = [f"brief-{m:04d}" for m in range(max(1, n - 5), n)]
        path = docs / "briefs" / f"{slug}.md"
        path.write_text(_brief_page(w, keys, others), encoding="utf-8")
        briefs.append(path)

    edit_brief = briefs[len(briefs) // 2]
    cited = re.findall(r"\{cite:[pt]\}`([^`]+)`", edit_brief.read_text(encoding="utf-8"))
    edit_reference = cited[0].split(",")[0]
    return {
        "dest": dest,
        "docs": docs,
        "bib": bib,
        "plain": plain,
        "scale": scale,
        "briefs": n_briefs,
        "cards": n_cards,
        "references": n_refs,
        "entries": n_briefs + n_cards + n_refs,
        "pages": len(sections) + n_briefs + n_cards,
        "edit_brief": edit_brief,
        "edit_reference": edit_reference,
    }


def write_plain(dest: Path, scale: float, seed: int = 1) -> dict[str, Any]:
    """The same pages as ``write_site(dest, scale, seed)``, with a conf.py for plain Sphinx."""
    return write_site(dest, scale, seed, plain=True)


def append_paragraph(page: Path, n: int = 1) -> None:
    """An author's edit to a brief: one more paragraph at the end."""
    text = page.read_text(encoding="utf-8").rstrip("\n")
    page.write_text(
        f"{text}\n\nAn added paragraph ({n}): the team revisited its data after a term and "
        "found that the change held for the students it was meant to help.\n",
        encoding="utf-8",
    )


def change_annotation(bib: Path, key: str, n: int = 1) -> None:
    """An author's edit to a reference: its annotation rewritten."""
    text = bib.read_text(encoding="utf-8")
    start = text.index(f"{{{key},\n")
    line = text.index("  annotation  = {", start)
    end = text.index("},\n", line)
    new = (
        "  annotation  = {Rewritten annotation "
        f"({n}): what this work adds, in the editor's own words, after a second reading"
    )
    bib.write_text(text[:line] + new + text[end:], encoding="utf-8")


if __name__ == "__main__":
    c = generate(20, 3, 5)
    for e in c.entries[:4]:
        print(e.type, e.key, e.title, e.tenets, e.focus, e.year)
        print("  ", c.bodies[e.key][:200])
