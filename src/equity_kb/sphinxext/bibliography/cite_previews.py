"""Citation previews: every page carries, once, the APA reference and annotation of each
reference it cites, hidden, and each citation link points at its preview with
``aria-describedby``. ``static/cite_preview.js`` shows a preview as a tooltip; it needs
no request, and without JavaScript the link still just goes to the bibliography entry.

The tooltip pattern (not a dialog) because focus must stay on the link: the link's
accessible description is the preview, so a screen reader announces it on focus, and
the text is read once, from the link, never in the page's reading order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx

from equity_kb.core.model import Reference

from ..rendering.render import environment

PREVIEWS_CLASS = "kb-cite-previews"  # on the container; theme.py loads the script by it


class kb_cite_link(nodes.reference):  # noqa: N801 (docutils naming)
    """A citation's link; ``preview`` is the id of its reference's preview. Builders other
    than HTML write it as the plain reference it subclasses."""


def setup_cite_previews(app: Sphinx) -> None:
    app.add_node(kb_cite_link, html=(visit_cite_link, depart_cite_link))


def preview_id(key: str) -> str:
    return f"kb-preview-{key}"


def visit_cite_link(translator: Any, node: kb_cite_link) -> None:
    # Sphinx's visit_reference writes no other attributes, so the tag is written here.
    attributes = {"aria-describedby": node["preview"]}
    translator.body.append(
        translator.starttag(
            node, "a", "", CLASS="reference external", href=node["refuri"], **attributes
        )
    )


def depart_cite_link(translator: Any, node: kb_cite_link) -> None:
    translator.depart_reference(node)


def previews_node(refs: Sequence[Reference], apa_html: Mapping[str, str]) -> nodes.raw:
    """The hidden previews of ``refs``, one each, as a raw HTML node for the page's end.
    ``apa_html`` is the bibliography's formatted APA, safe HTML; the annotation is text
    and escaped by the template."""
    html = (
        environment()
        .get_template("cite_previews.html")
        .render(
            refs=refs,
            apa_html={ref.key: Markup(apa_html.get(ref.key, "")) for ref in refs},
            preview_id=preview_id,
            container_class=PREVIEWS_CLASS,
        )
    )
    return nodes.raw("", html, format="html")
