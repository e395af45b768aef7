"""Configuration values of the extension, checked once when the config is read."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from equity_kb.core.files import glob_paths
from equity_kb.core.validation import DEFAULT_ENTRY_DIRS
from equity_kb.core.vocabulary import Vocabulary, VocabularyError, load_vocabulary


def setup_config(app: Sphinx) -> None:
    # Paths are relative to the directory holding conf.py.
    app.add_config_value("kb_vocabulary", "vocabulary.yml", "env", types=[str])
    app.add_config_value("kb_bibliography", ["*.bib"], "env", types=[list])
    app.add_config_value("kb_entry_dirs", DEFAULT_ENTRY_DIRS, "env", types=[dict])
    app.add_config_value("kb_cache_dir", "", "", types=[str])
    # The page with the kb-search directive that every sidebar search box goes to
    # (sphinxext/searchbox); "" keeps furo's box and Sphinx's own search.
    app.add_config_value("kb_search_page", "find", "html", types=[str])
    app.connect("config-inited", check_config)


def check_config(app: Sphinx, config: Config) -> None:
    dirs = config.kb_entry_dirs
    bad = {d: t for d, t in dirs.items() if t not in ("brief", "practice")}
    if bad:
        raise ConfigError(
            f"kb_entry_dirs maps folders to 'brief' or 'practice'; fix {bad!r} in conf.py"
        )
    if not isinstance(config.kb_bibliography, list) or not all(
        isinstance(p, str) for p in config.kb_bibliography
    ):
        raise ConfigError("kb_bibliography must be a list of glob patterns, like ['bib/*.bib']")
    path = vocabulary_path(app)
    if not path.is_file():
        raise ConfigError(
            f"kb_vocabulary: no vocabulary file at {path}; set kb_vocabulary in conf.py to the "
            "YAML file listing tenets, focus areas, levels and kinds of evidence"
        )


def vocabulary_path(app: Sphinx) -> Path:
    return Path(app.confdir, app.config.kb_vocabulary)


def read_vocabulary(app: Sphinx) -> tuple[Vocabulary, str]:
    """The vocabulary and a digest of its file, so a change can mark entries outdated."""
    path = vocabulary_path(app)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        return load_vocabulary(path), digest
    except VocabularyError as err:
        raise ConfigError(f"the vocabulary file has problems:\n{err}") from err


def bibliography_paths(app: Sphinx) -> list[Path]:
    return glob_paths(Path(app.confdir), app.config.kb_bibliography)
