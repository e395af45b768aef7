"""The service's API described: an OpenAPI 3.1 document of ``/api/search`` and ``/api/health``.

Written by hand from what ``server.py`` parses and ``results.py`` returns, so a client
(or schemathesis, in the tests) can rely on it: every parameter with its type and
range, every answer with its schema (``additionalProperties: false``: a field added to
an answer must be added here too, or the schema tests fail). The limits are the ones
the server enforces; the server reads the value-length limit from here.

Served by the service at ``/api/openapi.json``.
"""

from __future__ import annotations

import copy
from typing import Any

from equity_kb.core.model import ENTRY_TYPES

from .engine import MAX_FACET_VALUES, MAX_PAGE, MAX_PAGE_SIZE
from .schema import FACET_FIELDS, YEAR_FIELD
from .snapshot import NEAREST

# The version of this description (OpenAPI's info.version), not of the package: raise it
# when a parameter or an answer changes.
API_VERSION = "1.0.0"
# The longest facet value a request may give (longer is a 400).
MAX_VALUE_CHARS = 100
DEFAULT_PAGE_SIZE = 20
YEARS = (1, 9999)

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _strict(properties: dict[str, Any], description: str) -> dict[str, Any]:
    """An object with exactly these properties, every one always present."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_STRINGS = {"type": "array", "items": {"type": "string"}}
_COUNT = {"type": "integer", "minimum": 0}


def _facet_parameter(name: str, what: str, enum: tuple[str, ...] = ()) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "string", "maxLength": MAX_VALUE_CHARS}
    if enum:
        item["enum"] = list(enum)
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": (
            f"Only entries with this {what}. Repeat the parameter for more than one "
            f"value (entries with any of them), or separate values with commas; at most "
            f"{MAX_FACET_VALUES} values of at most {MAX_VALUE_CHARS} characters. A value "
            "the index does not hold matches nothing; it is not an error."
        ),
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": item, "maxItems": MAX_FACET_VALUES},
    }


def _int_parameter(
    name: str, lo: int, hi: int, description: str, default: int | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": lo, "maximum": hi}
    if default is not None:
        schema["default"] = default
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


SEARCH_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "q",
        "in": "query",
        "required": False,
        "description": (
            "The words to search for: phrases in double quotes, AND, OR, NOT and brackets. "
            "A query that cannot be read as written is searched as plain words (mode "
            "'plain'), never an error; no words lists every entry (mode 'browse')."
        ),
        "schema": {"type": "string"},
    },
    _facet_parameter("type", "entry type", ENTRY_TYPES),
    _facet_parameter("tenet", "tenet (a vocabulary id, like data)"),
    _facet_parameter("focus", "focus area (a vocabulary id)"),
    _facet_parameter("level", "level (a vocabulary id, like school)"),
    _facet_parameter("evidence", "kind of evidence (a vocabulary id, like qualitative)"),
    _int_parameter("year_from", *YEARS, "Only entries from this year on; not after year_to."),
    _int_parameter("year_to", *YEARS, "Only entries up to this year; not before year_from."),
    _int_parameter(
        "page", 1, MAX_PAGE, "The page of hits; past the last page, the last.", default=1
    ),
    _int_parameter("page_size", 1, MAX_PAGE_SIZE, "Hits per page.", default=DEFAULT_PAGE_SIZE),
    {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "An ETag of an earlier answer: a 304 while it is still current.",
        "schema": {"type": "string"},
    },
]

_HIT = _strict(
    {
        "key": {"type": "string", "description": "A card's ID, a reference's key, a brief's page"},
        "type": {"type": "string", "enum": list(ENTRY_TYPES)},
        "title": {"type": "string", "description": "Text, not HTML"},
        "url": {"type": "string", "description": "The entry's page, relative to the site"},
        "year": _nullable({"type": "integer"}),
        "tenets": _STRINGS,
        "focus": _STRINGS,
        "levels": _STRINGS,
        "authors": _STRINGS,
        "summary": {"type": "string", "description": "Text, not HTML"},
        "snippet": {
            "type": "string",
            "description": "Escaped HTML whose only tags are <mark> around matched words",
        },
        "score": _nullable({"type": "number"}),
    },
    "One entry found.",
)


def _facet_counts(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": _strict(
            {
                "value": value,
                "label": {"type": "string"},
                "count": _COUNT,
                "selected": {"type": "boolean"},
            },
            "How many matches have this value, counted with the other facets' filters.",
        ),
    }


_SELECTED = {
    "type": "object",
    "description": "The filters applied (only those given).",
    "properties": {
        **{name: _STRINGS for name in FACET_FIELDS},
        "year_from": {"type": "array", "items": {"type": "integer"}, "maxItems": 1},
        "year_to": {"type": "array", "items": {"type": "integer"}, "maxItems": 1},
    },
    "additionalProperties": False,
}

_RESULT = _strict(
    {
        "query": {"type": "string", "description": "The query as it was searched"},
        "mode": {"type": "string", "enum": ["browse", "query", "plain"]},
        "note": _nullable({"type": "string"}),
        "partial": {"type": "boolean", "description": "No entry has all the words"},
        "total": _COUNT,
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        "suggestion": _nullable({"type": "string"}),
        "selected": _SELECTED,
        "hits": {"type": "array", "items": _ref("Hit"), "maxItems": MAX_PAGE_SIZE},
        "nearest": {"type": "array", "items": _ref("Hit"), "maxItems": NEAREST},
        "nearest_reason": _nullable({"type": "string", "enum": ["filters", "spelling"]}),
        "facets": _strict(
            {
                **{name: _facet_counts({"type": "string"}) for name in FACET_FIELDS},
                YEAR_FIELD: _facet_counts({"type": "integer"}),
            },
            "Counts per facet value.",
        ),
        "took_ms": {"type": "number", "minimum": 0},
        "generation": {"type": "string", "description": "The index generation that answered"},
    },
    "A page of hits, facet counts and how the query was read.",
)

_ERROR = _strict({"error": {"type": "string"}}, "What was wrong, naming the parameter.")
_UNAVAILABLE = _strict(
    {"status": {"const": "unavailable"}, "error": {"type": "string"}},
    "No search index yet, or it went away; the error says what to do.",
)
_HEALTH = _strict(
    {
        "status": {"const": "ok"},
        "generation": {"type": "string"},
        "documents": _COUNT,
        "pid": {"type": "integer"},
        "cached_answers": _COUNT,
    },
    "The worker that answered, and the index generation it serves.",
)

_ETAG = {
    "ETag": {
        "description": "The index generation and a digest of the parameters",
        "required": True,
        "schema": {"type": "string"},
    }
}


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}, **extra}


_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Equity KB search",
        "version": API_VERSION,
        "description": (
            "Faceted search over the knowledge base's briefs, practice cards and "
            "references. Answers are JSON; text from content is text in 'title' and "
            "'summary' and escaped HTML in 'snippet'."
        ),
    },
    "paths": {
        "/api/search": {
            "get": {
                "operationId": "search",
                "summary": "Search, filter by facets, and count",
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": _json(_ref("SearchResult"), "The answer", headers=_ETAG),
                    "304": {"description": "The If-None-Match ETag is current", "headers": _ETAG},
                    "400": _json(_ref("Error"), "A parameter the API cannot accept"),
                    "500": _json(_ref("Error"), "A bug: the server log has the details"),
                    "503": _json(_ref("Unavailable"), "No search index yet"),
                },
            }
        },
        "/api/health": {
            "get": {
                "operationId": "health",
                "summary": "Whether this worker can answer, and from which index generation",
                "responses": {
                    "200": _json(_ref("Health"), "Ready"),
                    "503": _json(_ref("Unavailable"), "No search index yet"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document")},
            }
        },
    },
    "components": {
        "schemas": {
            "SearchResult": _RESULT,
            "Hit": _HIT,
            "Error": _ERROR,
            "Unavailable": _UNAVAILABLE,
            "Health": _HEALTH,
        }
    },
}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (a fresh copy: callers may change it)."""
    return copy.deepcopy(_DOCUMENT)
