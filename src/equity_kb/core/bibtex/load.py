"""The entry point: ``.bib`` files loaded, parsed (cached) and validated, keys merged."""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from equity_kb.core.disambiguation import with_cite_as
from equity_kb.core.gcpause import gc_paused
from equity_kb.core.model import Problem, Reference
from equity_kb.core.source_text import decode
from equity_kb.core.vocabulary import Vocabulary

from .cache import VALIDATED, parsed_chunks, remember
from .inherit import Resolver, index, needs_inheritance
from .macros import expand_macros
from .parse import Chunks
from .validate import validate


@dataclasses.dataclass(frozen=True)
class BibResult:
    """What ``load_bibliography`` found: references by key in file order, and problems."""

    references: dict[str, Reference]
    problems: list[Problem]


def load_bibliography(
    paths: Iterable[str | os.PathLike[str]],
    vocabulary: Vocabulary,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    encoding: str | None = None,
) -> BibResult:
    """Load ``.bib`` files into References, in file order, with every problem found.

    A key used twice (in one file or across files) keeps its first entry; the second
    is reported, naming where the first is. A file whose bytes were parsed before
    (in this process, or in ``cache_dir`` when given) is not parsed again.
    ``cache_dir`` holds pickles: use a folder only the build writes to (for example
    under Sphinx's doctree directory). ``encoding`` (sphinxcontrib-bibtex's
    ``bibtex_encoding``) is the files' codec when it is not UTF-8.
    """
    with gc_paused():
        cache = None if cache_dir is None else Path(cache_dir)
        return _load(paths, vocabulary, cache, encoding)


def decode_in(data: bytes, encoding: str | None) -> tuple[str, int, str, str]:
    """A file's text in the configured codec; UTF-8 (with its one message) when there
    is none, it is UTF-8, or the bytes are not in it."""
    if encoding and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(encoding), 0, "", ""
        except UnicodeDecodeError:
            pass
    return decode(data)


def _load(
    paths: Iterable[str | os.PathLike[str]],
    vocabulary: Vocabulary,
    cache: Path | None,
    encoding: str | None = None,
) -> BibResult:
    vocab_fp = vocabulary_fingerprint(vocabulary)
    references: dict[str, Reference] = {}
    seen: dict[str, Reference] = {}  # by lower-case key: BibTeX keys are case-insensitive
    problems: list[Problem] = []
    # Every file is parsed before any is validated: a crossref or xdata parent may be
    # in another file.
    files: list[tuple[str, str, Chunks, list[Problem]]] = []
    for p in paths:
        path = os.fspath(p)
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            problems.append(
                Problem(path, 0, f"cannot read the bibliography file: {err.strerror}", "unreadable")
            )
            continue
        found: list[Problem] = []
        # Not UTF-8 (or empty): one message at the first bad byte; the rest still loads.
        text, line, message, code = decode_in(data, encoding)
        if code:
            found.append(Problem(path, line, message, code))
        digest, parsed = parsed_chunks(path, data, text, cache)
        files.append((path, digest, parsed, found))
    # @string macros of every file apply in all of them (each file's own first).
    expanded = expand_macros([(path, digest, parsed) for path, digest, parsed, _ in files])
    for i, (parsed, macro_problems, changed) in enumerate(expanded):
        path, digest, _, found = files[i]
        found.extend(macro_problems)
        # What other files' macros changed is part of what validation depends on.
        files[i] = (path, f"{digest}+{changed}" if changed else digest, parsed, found)
    resolver = None
    if needs_inheritance(parsed for _, _, parsed, _ in files):
        resolver = Resolver(index(parsed for _, _, parsed, _ in files))
    for path, digest, parsed, found in files:
        memo_key: tuple[str, ...] = (digest, path, vocab_fp)
        if resolver is not None:
            parsed, inherit_problems, inherited = resolver.chunks(parsed)
            found.extend(Problem(path, line, msg, "bad_crossref") for line, msg in inherit_problems)
            memo_key = (*memo_key, inherited)
        validated = VALIDATED.get(memo_key)
        if validated is None:
            validated = validate(parsed, path, vocabulary)
            remember(VALIDATED, memo_key, validated)
        refs, file_problems = validated
        found.extend(file_problems)
        for ref in refs:
            first = seen.setdefault(ref.key.lower(), ref)
            if first is ref:
                references[ref.key] = ref
                continue
            same = "the same key" if first.key == ref.key else f"the key {first.key!r}"
            found.append(
                Problem(
                    path,
                    ref.line,
                    f"duplicate citation key {ref.key!r}: {same} is already used at "
                    f"{first.source}:{first.line}, which is kept; give this entry another key "
                    "(add a, b on a clash, like bowman2021a) or delete it",
                    "duplicate_key",
                )
            )
        problems.extend(sorted(found, key=lambda problem: problem.line))
    # Year suffixes and the like depend on every reference: decided once all are read.
    return BibResult(references=with_cite_as(references), problems=problems)


def vocabulary_fingerprint(vocabulary: Vocabulary) -> str:
    return hashlib.sha256(repr(sorted(vocabulary.terms.items())).encode()).hexdigest()
