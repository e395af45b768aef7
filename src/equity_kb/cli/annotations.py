"""Problems as GitHub Actions workflow commands (``::error file=...,line=...::...``), so a
pull request shows each one on the changed file and line."""

from __future__ import annotations

from pathlib import Path

from equity_kb.core.model import Problem

# Problem.severity to workflow command; a severity we do not know is an error.
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """A command's message, escaped as GitHub's toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title), escaped as GitHub's toolkit does (``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``.git``; ``start`` if none does.

    GitHub places an annotation by its path from the repository's root, which may be
    above the ``--root`` that ``equity-kb check`` was given."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def annotation_path(path: str, root: Path, repository: Path) -> str:
    """``path`` (absolute, or relative to ``root``) from the repository's root, with '/'."""
    full = Path(path) if Path(path).is_absolute() else root / path
    full = full.resolve()
    if full.is_relative_to(repository):
        return full.relative_to(repository).as_posix()
    return full.as_posix()


def annotation(problem: Problem, root: Path, repository: Path | None = None) -> str:
    """One workflow-command line for ``problem``; its line is left out when unknown (0)."""
    repository = repository_root(root) if repository is None else repository
    command = COMMANDS.get(problem.severity, "error")
    properties = [f"file={escape_property(annotation_path(problem.path, root, repository))}"]
    if problem.line > 0:
        properties.append(f"line={problem.line}")
    properties.append(f"title={escape_property(problem.code)}")
    return f"::{command} {','.join(properties)}::{escape_data(problem.message)}"
