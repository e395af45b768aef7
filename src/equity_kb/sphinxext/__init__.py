"""The Sphinx extension: entries read into a domain, the pages that aggregate them, and the
search indexes written at the end of a build.

``setup()`` reads like a table of contents: one ``setup_<feature>`` per module.
"""

from __future__ import annotations

from typing import Any

from equity_kb import __version__


def setup(app: Any) -> dict[str, Any]:
    from .bibliography.citing import setup_citing
    from .bibliography.footcite import setup_footcite
    from .bibliography.linkcheck import setup_linkcheck
    from .bibliography.reading_list import setup_reading_list
    from .bibliography.references import setup_references
    from .bibliography.result_export import setup_result_export
    from .entries.collector import setup_collector
    from .entries.config import setup_config
    from .entries.domain import KBDomain
    from .entries.reading import setup_reading
    from .entries.warnings import setup_warnings
    from .pages.book import setup_book
    from .pages.directives import setup_pages
    from .pages.listings import setup_listings
    from .pages.not_found import setup_not_found
    from .pages.retired_pages import setup_retired_pages
    from .pages.whats_new import setup_whats_new
    from .placeholders import setup_placeholders
    from .rendering.template_cache import setup_template_cache
    from .safety.build_guard import setup_build_guard
    from .safety.buildstate import setup_buildstate
    from .safety.write_errors import setup_write_errors
    from .searchpage.indexing import setup_indexing
    from .searchpage.searchbox import setup_searchbox
    from .theme import setup_theme
    from .travel.link_previews import setup_link_previews
    from .travel.print_pack import setup_print_pack
    from .travel.zotero_meta import setup_zotero_meta

    setup_collector(app)
    setup_build_guard(app)
    setup_buildstate(app)
    app.setup_extension("myst_parser")
    app.setup_extension("sphinx_design")
    setup_config(app)
    app.add_domain(KBDomain)
    setup_reading(app)
    setup_pages(app)
    setup_book(app)
    setup_placeholders(app)
    setup_listings(app)
    setup_citing(app)
    setup_footcite(app)
    setup_references(app)
    setup_reading_list(app)
    setup_linkcheck(app)
    setup_zotero_meta(app)
    setup_result_export(app)
    setup_print_pack(app)
    setup_indexing(app)
    setup_theme(app)
    setup_template_cache(app)
    setup_link_previews(app)
    setup_retired_pages(app)
    setup_whats_new(app)
    setup_not_found(app)
    setup_warnings(app)
    setup_write_errors(app)
    setup_searchbox(app)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 3,  # 3: the nodes moved to sphinxext.entries (pickled doctrees)
    }
