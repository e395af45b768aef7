"""One search box: every page's sidebar search goes to the knowledge base's search page.

furo's ``sidebar/search.html`` is overridden (``theme_templates/``, added to
``templates_path``) so the box submits its words as ``q`` to the page named by
``kb_search_page`` (``find``), the page holding the ``kb-search`` directive. Sphinx's
own search is then unused, so the HTML builders do not build it (no ``searchindex.js``,
``searchtools.js`` or ``language_data.js``), and ``search.html`` becomes a small page
that sends old links such as ``search.html?q=words`` on to the search page, query kept.

When the project has no such page (``kb_search_page`` names no document, or one without
``kb-search``, or is empty) nothing changes: furo's box and Sphinx's search stay.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.builders.singlehtml import SingleFileHTMLBuilder
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ..entries.domain import kb_domain
from ..entries.nodes import kb_placeholder
from ..rendering.outputs import connect_site

logger = logging.getLogger("equity_kb")

TEMPLATES = Path(__file__).parent / "theme_templates"
REDIRECT_TEMPLATE = "kb-search-redirect.html"
SPHINX_SEARCH_PAGE = "search"
DEFAULT_SEARCH_PAGE = "find"
# What Sphinx's search leaves in the site even when the builder does not search: the
# basic theme's static search scripts, and an earlier build's index and stemmers.
SPHINX_SEARCH_FILES = (
    "searchindex.js",
    "_static/searchtools.js",
    "_static/language_data.js",
    "_static/*stemmer.js",
)

# The search page each app's builder uses, once the environment shows it exists. Set in
# the main process before writing, so forked -j writers inherit it.
_search_page: weakref.WeakKeyDictionary[Sphinx, str] = weakref.WeakKeyDictionary()


def setup_searchbox(app: Sphinx) -> None:
    app.connect("config-inited", add_templates_path)
    app.connect("builder-inited", stop_sphinx_search)
    app.connect("env-updated", check_search_page)
    connect_site(app, "html-page-context", add_search_page)
    connect_site(app, "html-collect-pages", redirect_page)
    connect_site(app, "build-finished", remove_sphinx_search_files)


def add_templates_path(app: Sphinx, config: Config) -> None:
    """After the project's own folders, so a project can still override the box.
    On config-inited: the HTML builder reads templates_path before builder-inited."""
    if str(TEMPLATES) not in config.templates_path:
        # A new list: the default one is shared by every Config in the process.
        config.templates_path = [*config.templates_path, str(TEMPLATES)]


def html_builder(app: Sphinx) -> StandaloneHTMLBuilder | None:
    """The builders that write Sphinx's search page: html, dirhtml and their subclasses.
    Not singlehtml (its search attribute is True, but it writes no search page)."""
    builder = app.builder
    if isinstance(builder, StandaloneHTMLBuilder) and not isinstance(
        builder, SingleFileHTMLBuilder
    ):
        return builder
    return None


def stop_sphinx_search(app: Sphinx) -> None:
    """Sphinx's index is not built for a site whose search is the search page; the
    environment confirms the page exists on env-updated, or turns it back on."""
    _search_page.pop(app, None)
    builder = html_builder(app)
    # builder.search is already False for epub and HTML help: no search there.
    if builder is not None and builder.search and app.config.kb_search_page:
        builder.search = False
        _search_page[app] = app.config.kb_search_page


def check_search_page(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Keep the search page only if it is a document with ``kb-search``; otherwise fall
    back to Sphinx's search. When that changes, every page is rewritten (the box is on
    every page)."""
    builder = html_builder(app)
    if builder is None:
        return []
    page = _search_page.get(app)
    if page is not None:
        problem = search_page_problem(env, page)
        if problem is not None:
            del _search_page[app]
            builder.search = True
            if problem:
                logger.warning(problem, type="kb", subtype="search-page")
            else:
                logger.info(
                    f"kb_search_page: no document {page!r}; the sidebar keeps Sphinx's search"
                )
    used = _search_page.get(app, "")
    domain = kb_domain(env)
    if domain.data.get("search_page", "") == used:
        return []
    domain.data["search_page"] = used
    return sorted(env.all_docs)


def search_page_problem(env: BuildEnvironment, page: str) -> str | None:
    """None when ``page`` is a search page; "" when there is no such document and the
    setting is the default (a project without a search page); else what is wrong."""
    if page not in env.all_docs:
        if page == DEFAULT_SEARCH_PAGE:
            return ""
        return (
            f"kb_search_page = {page!r} names no document; the sidebar keeps Sphinx's "
            "search. Set it to the page holding the kb-search directive, or to '' for none"
        )
    doctree = env.get_doctree(page)
    if any(node.get("kind") == "search" for node in doctree.findall(kb_placeholder)):
        return None
    return (
        f"kb_search_page = {page!r}: that page has no kb-search directive; the sidebar "
        "keeps Sphinx's search. Add the directive to it, or name the page that has it"
    )


def add_search_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """``kb_search_page`` for the sidebar template; ``hasdoc('search')`` stays true, as
    search.html still exists (furo links it with rel="search")."""
    page = _search_page.get(app)
    if page is None:
        return
    context["kb_search_page"] = page
    hasdoc: Callable[[str], bool] = context["hasdoc"]
    context["hasdoc"] = lambda name: name == SPHINX_SEARCH_PAGE or hasdoc(name)


def redirect_page(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    page = _search_page.get(app)
    if page is None or SPHINX_SEARCH_PAGE in app.env.all_docs:
        return
    if app.config.html_use_opensearch:
        # Sphinx writes opensearch.xml only with its search; this one points at
        # search.html too, which sends the query on.
        builder = html_builder(app)
        assert builder is not None  # _search_page holds only HTML builders
        builder.handle_page(
            "opensearch",
            {},
            "opensearch.xml",
            outfilename=Path(builder.outdir, "_static", "opensearch.xml"),
        )
    yield SPHINX_SEARCH_PAGE, {"title": "Search", "kb_search_page": page}, REDIRECT_TEMPLATE


def remove_sphinx_search_files(app: Sphinx, exception: BaseException | None) -> None:
    """The basic theme's static folder always brings searchtools.js and language_data.js,
    and an earlier build may have left searchindex.js and stemmers; with no Sphinx search
    nothing loads them. A file of the same name from html_static_path is the project's."""
    if exception is not None or app not in _search_page:
        return
    outdir = Path(app.outdir)
    own = {
        path.name
        for entry in app.config.html_static_path
        for pattern in SPHINX_SEARCH_FILES
        if pattern.startswith("_static/")
        for path in Path(app.confdir, entry).glob(Path(pattern).name)
    }
    for pattern in SPHINX_SEARCH_FILES:
        for path in outdir.glob(pattern):
            if not (path.parent.name == "_static" and path.name in own):
                path.unlink(missing_ok=True)
