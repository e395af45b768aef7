"""``equity-kb check``: every problem in content as ``file:line: message`` (or JSON, or
GitHub Actions annotations), no build."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import CommandError
from .options import add_command

EXAMPLES = """\
examples:
  equity-kb check                                   everything under docs/ and bib/
  equity-kb check docs/practices/PC-007.md          one card (duplicate IDs still checked)
  equity-kb check --json                            problems as JSON, for editors and bots
  equity-kb check --format github                   problems as GitHub Actions annotations
  equity-kb check --suggest-tenets docs/briefs/new.md          propose tenets and focus areas
  equity-kb check --suggest-tenets --write docs/briefs/new.md  ... and add them to the file

exit status: 0 nothing wrong, 1 problems found, 2 the command itself could not run.
"""


FORMATS = ("text", "json", "github")

HELP = "validate front matter, citations and the bibliography (no build)"
DESCRIPTION = (
    "Validate briefs, practice cards and the bibliography without a Sphinx "
    "build, with the same validation the build uses."
)


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "check", HELP, DESCRIPTION, EXAMPLES)
    p.add_argument("paths", nargs="*", type=Path, help="Markdown files (default: all of docs/)")
    p.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    p.add_argument("--docs", default="docs", help="the content folder (default: docs)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="text: file:line: message (the default); json: for editors and bots; "
        "github: GitHub Actions workflow commands, one annotation per problem",
    )
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.add_argument(
        "--notes",
        action="store_true",
        help="also list notes: incomplete entries, summaries above the reading grade "
        "(kb_reading_grade in conf.py, default 10), and summaries that name a number, "
        "year, quotation or name their page's body does not",
    )
    p.add_argument(
        "--suggest-tenets",
        action="store_true",
        help="propose tenets and focus areas for the given entries",
    )
    p.add_argument(
        "--write",
        action="store_true",
        help="with --suggest-tenets: add the suggestions to the files' front matter",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from equity_kb.core.checking import Settings, check

    root = args.root.resolve()
    if not (root / args.docs).is_dir():
        raise CommandError(
            f"no content folder {root / args.docs}: run this from the "
            "repository's root, or give --root"
        )
    missing = [str(p) for p in args.paths if not p.is_file()]
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}")
    if args.write and not args.suggest_tenets:
        raise CommandError("--write goes with --suggest-tenets")
    output = output_format(args)
    if args.suggest_tenets and output == "github":
        raise CommandError("--format github goes with checking, not with --suggest-tenets")
    settings = Settings.from_conf(root, docs=args.docs)
    if args.suggest_tenets:
        return suggest_tenets(settings, args.paths, write=args.write, as_json=output == "json")
    grades = args.notes or output == "json"  # the JSON always carries the notes
    if grades:
        from equity_kb.core.reading_grade import max_grade_problem

        if problem := max_grade_problem(settings.reading_grade):
            raise CommandError(f"{problem}; correct it in {root / 'conf.py'}")
    result = check(settings, [p.resolve() for p in args.paths] or None, grades=grades)
    if output == "json":
        json.dump(
            {
                "ok": result.ok,
                "files": result.files,
                "problems": [problem_dict(p) for p in result.problems],
                "notes": [problem_dict(p) for p in result.notes],
            },
            sys.stdout,
            indent=2,
        )
        print()
    else:
        if output == "github":
            from .annotations import annotation, repository_root

            repository = repository_root(root)
            for p in [*result.problems, *(result.notes if args.notes else [])]:
                print(annotation(p, root, repository))
        else:
            for p in result.problems:
                print(p)
            if args.notes:
                for p in result.notes:
                    print(f"{p} (note)")
        summary = (
            f"{len(result.problems)} problem(s) in {result.files} file(s)"
            if result.problems
            else f"no problems in {result.files} file(s)"
        )
        print(summary, file=sys.stderr)
    return 0 if result.ok else 1


def output_format(args: argparse.Namespace) -> str:
    """``--format``, with ``--json`` as another spelling of ``--format json``."""
    if args.json and args.format not in (None, "json"):
        raise CommandError(f"--json and --format {args.format} disagree: give one of them")
    return "json" if args.json else str(args.format or "text")


def problem_dict(p: Any) -> dict[str, Any]:
    return {
        "file": p.path,
        "line": p.line,
        "message": p.message,
        "code": p.code,
        "severity": p.severity,
    }


def suggest_tenets(settings: Any, paths: list[Path], *, write: bool, as_json: bool) -> int:
    from equity_kb.core.suggest import suggest, write_suggestions
    from equity_kb.core.vocabulary import VocabularyError, load_vocabulary

    if not paths:
        raise CommandError("name the entries to suggest tags for, e.g. docs/briefs/new.md")
    try:
        vocabulary = load_vocabulary(settings.vocabulary)
    except VocabularyError as err:
        raise CommandError(str(err)) from err
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        found = suggest(text, vocabulary)
        out.append(
            {
                "file": str(path),
                "suggestions": [
                    {"kind": s.kind, "id": s.term, "score": s.score, "because": list(s.because)}
                    for s in found
                ],
            }
        )
        if not as_json:
            print(f"{path}:")
            if not found:
                print("  no suggestion: no vocabulary keyword occurs in the text")
            for s in found:
                words = ", ".join(f"'{w}'" for w in s.because)
                print(
                    f"  {s.kind[:-1] if s.kind == 'tenets' else s.kind}: {s.term} "
                    f"(score {s.score}) because of {words}"
                )
        if write and found:
            additions = {
                "tenets": [s.term for s in found if s.kind == "tenets"],
                "focus": [s.term for s in found if s.kind == "focus"],
            }
            try:
                path.write_text(write_suggestions(text, additions), encoding="utf-8")
            except ValueError as err:
                raise CommandError(f"{path}: {err}") from err
            if not as_json:
                print(f"  added to {path}; review them before you commit")
    if as_json:
        json.dump(out, sys.stdout, indent=2)
        print()
    return 0
