"""The Sphinx extension: entries read into a domain, the pages that aggregate them, and the
search indexes written at the end of a build.

``setup()`` reads like a table of contents: one ``setup_<feature>`` per module.
"""

from __future__ import annotations

from typing import Any

from equity_kb import __version__


def setup(app: Any) -> dict[str, Any]:
    from .build_guard import setup_build_guard
    from .buildstate import setup_buildstate
    from .citing import setup_citing
    from .collector import setup_collector
    from .config import setup_config
    from .domain import KBDomain
    from .indexing import setup_indexing
    from .link_previews import setup_link_previews
    from .listings import setup_listings
    from .not_found import setup_not_found
    from .pages import setup_pages
    from .placeholders import setup_placeholders
    from .print_pack import setup_print_pack
    from .reading import setup_reading
    from .reading_list import setup_reading_list
    from .references import setup_references
    from .result_export import setup_result_export
    from .retired_pages import setup_retired_pages
    from .searchbox import setup_searchbox
    from .theme import setup_theme
    from .warnings import setup_warnings
    from .whats_new import setup_whats_new
    from .write_errors import setup_write_errors
    from .zotero_meta import setup_zotero_meta

    setup_collector(app)
    setup_build_guard(app)
    setup_buildstate(app)
    app.setup_extension("myst_parser")
    app.setup_extension("sphinx_design")
    setup_config(app)
    app.add_domain(KBDomain)
    setup_reading(app)
    setup_pages(app)
    setup_placeholders(app)
    setup_listings(app)
    setup_citing(app)
    setup_references(app)
    setup_reading_list(app)
    setup_zotero_meta(app)
    setup_result_export(app)
    setup_print_pack(app)
    setup_indexing(app)
    setup_theme(app)
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
        "env_version": 2,  # 2: Reference.rich_fields
    }
