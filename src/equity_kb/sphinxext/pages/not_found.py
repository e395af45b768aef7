"""A 404 page that offers search (sphinx-notfound-page): a reader who follows a dead link
gets the knowledge base's search box and a way home, at any depth of the site.

Its links are absolute from the site's root, which is the path of ``html_baseurl`` (a
GitHub Pages project site lives under ``/<repository>/``), unless conf.py sets
``notfound_urls_prefix`` itself; the body is ours unless conf.py sets ``notfound_context``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.config import Config

_OURS = "_kb_notfound_ours"


def setup_not_found(app: Sphinx) -> None:
    app.setup_extension("notfound.extension")
    app.connect("config-inited", configure)
    # After reading: only then is it known whether the search page exists.
    app.connect("env-updated", fill_body)


def _given(config: Config, name: str) -> bool:
    return name in getattr(config, "_raw_config", {})


def configure(app: Sphinx, config: Config) -> None:
    if not _given(config, "notfound_urls_prefix"):
        path = urlsplit(config.html_baseurl or "/").path or "/"
        config.notfound_urls_prefix = path if path.endswith("/") else path + "/"
    setattr(config, _OURS, not _given(config, "notfound_context"))


def fill_body(app: Sphinx, env: Any) -> None:
    config = app.config
    if not getattr(config, _OURS, False):
        return
    prefix = config.notfound_urls_prefix or "/"
    suffix = config.html_file_suffix or ".html"
    search = config.kb_search_page
    form = ""
    if search and search in env.found_docs:
        action = escape(prefix + search + suffix)
        form = (
            f'<form class="kb-notfound-search" role="search" action="{action}">'
            '<label for="kb-notfound-q">Search the knowledge base</label> '
            '<input type="search" id="kb-notfound-q" name="q" autocomplete="off"> '
            '<button type="submit">Search</button></form>'
        )
    config.notfound_context = {
        "title": "Page not found",
        "body": (
            "<h1>Page not found</h1>\n"
            "<p>There is no page at this address. It may have moved, or the card it held may "
            "have been retired; its old address then says so.</p>\n"
            f"{form}\n"
            f'<p><a href="{escape(prefix)}">Go to the home page</a></p>'
        ),
    }
