"""`equity-kb check`: validate front matter, citations and the bibliography without a
Sphinx build, with the same validation code the build uses."""

from __future__ import annotations

import runpy
from dataclasses import dataclass, field, replace
from pathlib import Path

from .bibtex import load_bibliography
from .card_ids import read_retired_ids_file
from .citations import CITE_ROLE, parse_cites
from .crosscheck import cross_check, unknown_key
from .files import bibliography_patterns, glob_paths
from .frontmatter import read_front_matter
from .model import Entry, Problem, Reference
from .reading_grade import DEFAULT_MAX_GRADE, summary_notes
from .source_text import decode
from .summary_facts import summary_fact_notes
from .validation import DEFAULT_ENTRY_DIRS, entry_from_front_matter, entry_type_of
from .vocabulary import Vocabulary, VocabularyError, load_vocabulary


@dataclass
class Settings:
    """What conf.py says about where things are, read without starting Sphinx."""

    root: Path
    docs: Path
    vocabulary: Path
    bibliography: list[str]
    entry_dirs: dict[str, str]
    reading_grade: object = DEFAULT_MAX_GRADE  # kb_reading_grade, checked by the caller

    @classmethod
    def from_conf(cls, root: Path, docs: str = "docs", conf: str = "conf.py") -> Settings:
        values: dict[str, object] = {}
        if (root / conf).is_file():
            values = runpy.run_path(str(root / conf))
        return cls(
            root=root,
            docs=root / docs,
            vocabulary=root / str(values.get("kb_vocabulary", "vocabulary.yml")),
            bibliography=bibliography_patterns(
                values.get("kb_bibliography"), values.get("bibtex_bibfiles")
            ),
            entry_dirs=dict(values.get("kb_entry_dirs", DEFAULT_ENTRY_DIRS)),  # type: ignore[call-overload]
            reading_grade=values.get("kb_reading_grade", DEFAULT_MAX_GRADE),
        )

    def bib_files(self) -> list[Path]:
        return glob_paths(self.root, self.bibliography)


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    references: dict[str, Reference] = field(default_factory=dict)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def entry_type(settings: Settings, path: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(settings.docs.resolve())
    except ValueError:
        return None
    return entry_type_of(rel.with_suffix("").as_posix(), settings.entry_dirs)


def citations(text: str) -> list[tuple[str, int]]:
    """(key, line) of every citation role in a Markdown text (one it cannot read: none;
    the build reports it)."""
    out: list[tuple[str, int]] = []
    for match in CITE_ROLE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        try:
            out.extend((key, line) for _, key, _ in parse_cites(match.group(2)))
        except ValueError:
            continue
    return out


def check(
    settings: Settings, paths: list[Path] | None = None, *, grades: bool = False
) -> CheckResult:
    """Check the given Markdown files (default: every page under docs/) and the bibliography.

    Cross-entry checks (duplicate IDs) always consider every card, so checking one file
    still finds a clash with another. ``grades`` adds a note for each summary above the
    reading grade (``settings.reading_grade``, a number the caller has checked)."""
    result = CheckResult()
    try:
        vocabulary = load_vocabulary(settings.vocabulary)
    except VocabularyError as err:
        result.problems.extend(_relative(p, settings.root) for p in err.problems)
        return result
    bib = load_bibliography(settings.bib_files(), vocabulary)
    result.references = bib.references
    for p in bib.problems:
        (result.notes if p.severity == "note" else result.problems).append(p)
    result.files += len(settings.bib_files())

    all_pages = sorted(settings.docs.rglob("*.md"))
    wanted = {p.resolve() for p in (paths or all_pages)}
    for path in all_pages:
        shown = path.resolve() in wanted
        problems = check_page(settings, path, vocabulary, bib.references, result)
        if shown:
            result.files += 1
            result.problems.extend(problems)
    retired: set[str] = set()
    for folder, kind in settings.entry_dirs.items():
        if kind == "practice":
            retired |= read_retired_ids_file(settings.docs / folder)
    for p in cross_check(result.entries, bib.references, retired):
        if (settings.root / p.path).resolve() in wanted:
            result.problems.append(p)
    if grades:
        graded = [e for e in result.entries if (settings.root / e.source).resolve() in wanted]
        result.notes.extend(summary_notes(graded, float(settings.reading_grade)))  # type: ignore[arg-type]
        pages = [(e, decode((settings.root / e.source).read_bytes()).text) for e in graded]
        result.notes.extend(summary_fact_notes(pages))
    result.problems = sorted(
        (_relative(p, settings.root) for p in result.problems), key=lambda p: (p.path, p.line)
    )
    result.notes = [_relative(p, settings.root) for p in result.notes]
    return result


def _relative(problem: Problem, root: Path) -> Problem:
    """Paths as the author sees them in the repository: bib/sources.bib, not /home/..."""
    path = Path(problem.path)
    if path.is_absolute() and path.is_relative_to(root):
        return replace(problem, path=str(path.relative_to(root)))
    return problem


def check_page(
    settings: Settings,
    path: Path,
    vocabulary: Vocabulary,
    references: dict[str, Reference],
    result: CheckResult,
) -> list[Problem]:
    shown = (
        str(path.relative_to(settings.root)) if path.is_relative_to(settings.root) else str(path)
    )
    problems: list[Problem] = []
    # Bytes that are not UTF-8, or an empty file: one message, as the build gives it
    # (core/source_text); the rest of the file is still checked.
    text, line, message, code = decode(path.read_bytes())
    if code:
        problems.append(Problem(shown, line, message, code))
    kind = entry_type(settings, path) if code != "empty_file" else None
    if kind is not None:
        fm, found = read_front_matter(text, shown)
        problems.extend(found)
        if fm is None and not found and code != "bad_encoding":
            problems.append(
                Problem(
                    shown,
                    1,
                    f"a {kind} needs front matter between '---' lines; "
                    f"start from `equity-kb new {kind}`",
                    "missing_front_matter",
                )
            )
        if fm is not None:
            docname = str(path.relative_to(settings.docs).with_suffix(""))
            entry, more = entry_from_front_matter(
                fm, entry_type=kind, path=shown, docname=docname, vocabulary=vocabulary
            )
            problems.extend(more)
            result.entries.append(entry)
    for key, line in citations(text):
        if key not in references:
            problems.append(unknown_key(key, references, shown, line, "citation key"))
    return problems
