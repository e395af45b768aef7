"""The OpenAPI description of the search service (search/openapi.py): a valid OpenAPI
3.1 document, served at /api/openapi.json, whose parameters and limits are the ones the
server enforces, and whose schemas real answers match (every kind of answer, in process,
on a real index). tests/test_api_schemathesis.py fuzzes the live service against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from test_search_fixtures import AsgiClient as Client
from test_search_fixtures import build_index

from equity_kb.search.openapi import openapi_document
from equity_kb.search.server import create_app

DOCUMENT = openapi_document()


def schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}", **DOCUMENT}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    c = Client(create_app(None, build_index(tmp_path_factory.mktemp("openapi") / "index")))
    yield c
    c.close()


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"
    assert set(DOCUMENT["paths"]) >= {"/api/search", "/api/health"}
    broken = openapi_document()
    broken["paths"]["/api/search"]["get"]["parameters"][0]["in"] = "body"  # OpenAPI 2 only
    with pytest.raises(OpenAPIValidationError):
        validate(broken)  # the validator does look


def test_the_service_serves_it(client: Client) -> None:
    res = client.get("/api/openapi.json")
    assert res.status_code == 200 and res.headers["content-type"] == "application/json"
    assert res.json() == DOCUMENT


def _parameters() -> dict[str, dict[str, Any]]:
    params = DOCUMENT["paths"]["/api/search"]["get"]["parameters"]
    return {p["name"]: p for p in params if p["in"] == "query"}


def test_the_parameters_are_the_ones_the_server_reads(client: Client) -> None:
    params = _parameters()
    assert set(params) == {
        "q",
        *("type", "tenet", "focus", "level", "evidence"),
        *("year_from", "year_to", "page", "page_size"),
    }
    for name, p in params.items():
        s = p["schema"]
        if s["type"] == "integer":
            # The documented range is the accepted one: its ends pass, one past fails.
            for ok in (s["minimum"], s["maximum"]):
                assert client.get(f"/api/search?{name}={ok}").status_code == 200, (name, ok)
            for bad in (s["minimum"] - 1, s["maximum"] + 1, "x"):
                res = client.get(f"/api/search?{name}={bad}")
                assert res.status_code == 400 and f"'{name}'" in res.json()["error"], (name, bad)
        elif s["type"] == "array":
            most, longest = s["maxItems"], s["items"]["maxLength"]
            ok = "&".join(f"{name}=v{i}" for i in range(most))
            assert client.get(f"/api/search?{ok}").status_code == 200, name
            res = client.get(f"/api/search?{ok}&{name}=one-more")
            assert res.status_code == 400 and f"'{name}'" in res.json()["error"]
            assert client.get(f"/api/search?{name}={'x' * longest}").status_code == 200
            res = client.get(f"/api/search?{name}={'x' * (longest + 1)}")
            assert res.status_code == 400 and f"'{name}'" in res.json()["error"]
    enum = params["type"]["schema"]["items"]["enum"]
    for value in enum:
        hits = client.get(f"/api/search?type={value}").json()["hits"]
        assert hits and {h["type"] for h in hits} == {value}


@pytest.mark.parametrize(
    "query",
    [
        "",  # browse
        "q=equity+pause",  # ranked hits with snippets
        'q="equity+pause"+OR+(data+AND+NOT+literacy)',
        "q=(((",  # read as plain words
        "q=the",  # only common words
        "q=equty",  # a suggestion
        "q=equity&tenet=data,capacity&level=school&type=practice&year_from=2020&year_to=2024",
        "q=equity&tenet=nowhere",  # nearest, by filters
        "q=equty&type=brief",
        "page=9999&page_size=1",
    ],
)
def test_answers_match_the_result_schema(client: Client, query: str) -> None:
    res = client.get(f"/api/search?{query}")
    assert res.status_code == 200
    jsonschema.validate(res.json(), schema("SearchResult"))


def test_the_schemas_are_strict() -> None:
    # An answer with a field the document does not name, or without one it requires,
    # fails: a field added to the answer must be described.
    answer = {"error": "x"}
    jsonschema.validate(answer, schema("Error"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**answer, "extra": 1}, schema("Error"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({}, schema("Error"))


def test_errors_revalidation_and_health_match_theirs(client: Client, tmp_path: Path) -> None:
    bad = client.get("/api/search?page=0")
    assert bad.status_code == 400
    jsonschema.validate(bad.json(), schema("Error"))
    first = client.get("/api/search?q=equity")
    again = client.get("/api/search?q=equity", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]
    health = client.get("/api/health")
    assert health.status_code == 200
    jsonschema.validate(health.json(), schema("Health"))
    nothing = Client(create_app(None, tmp_path / "no-index"))
    try:
        for path in ("/api/search?q=x", "/api/health"):
            res = nothing.get(path)
            assert res.status_code == 503
            jsonschema.validate(res.json(), schema("Unavailable"))
    finally:
        nothing.close()
    documented = DOCUMENT["paths"]["/api/search"]["get"]["responses"]
    assert {"200", "304", "400", "503"} <= set(documented)
