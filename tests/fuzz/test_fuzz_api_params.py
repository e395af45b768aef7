"""Fuzzing ``/api/search``'s parameters (search/server) over a real index, in process.

Property: any query string (known parameters and others, repeated, empty, with odd
Unicode, invalid percent-escapes and invalid UTF-8, numbers of any size) gets a 200
whose body matches the OpenAPI description's SearchResult schema, or a 400 whose JSON
``error`` names a parameter it was given; never a 500. ``If-None-Match`` of any
text gives a 200 or a 304.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_from_bytes

import httpx
import jsonschema
import pytest
from hostile import HUGE_NUMBERS, ODD_CHARS, pieces, time_limit
from hypothesis import given
from hypothesis import strategies as st
from test_search_fixtures import AsgiClient as Client
from test_search_fixtures import build_index

from equity_kb.search.openapi import openapi_document
from equity_kb.search.server import create_app

KNOWN = [
    "q",
    "type",
    "tenet",
    "focus",
    "level",
    "evidence",
    "year_from",
    "year_to",
    "page",
    "page_size",
]
DOCUMENT = openapi_document()
RESULT_SCHEMA = {"$ref": "#/components/schemas/SearchResult", **DOCUMENT}
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error", **DOCUMENT}


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-api-") as tmp:
        c = Client(create_app(None, build_index(Path(tmp) / "index")), guard=time_limit)
        yield c
        c.close()


names = st.sampled_from(
    KNOWN + ["Q", "page ", "page[]", "tenets", "levels", "", "x", "callback", "%00", "q;x"]
)
number_text = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers(-3, 120).map(str),
    st.sampled_from(HUGE_NUMBERS + ["", " ", " 7 ", "+5", "1.5", "5e2", "0x10", "NaN", "2020-"]),
)
text_value = st.one_of(
    number_text,
    pieces(ODD_CHARS + ["data", "practice", "school", "brief", ",", ",,", "a,b", '"', "x" * 150]),
    st.lists(st.sampled_from(["data", "capacity", "school", "x"]), max_size=60).map(",".join),
)


@st.composite
def encoded(draw: st.DrawFn, value: st.SearchStrategy[str]) -> str:
    """A value as it may come over the wire: percent-encoded UTF-8, encoded bytes that
    are not UTF-8, or raw bits of query-string syntax."""
    how = draw(st.sampled_from(["utf-8", "utf-8", "bytes", "raw"]))
    if how == "bytes":
        return quote_from_bytes(draw(st.binary(max_size=12)), safe="")
    if how == "raw":
        return draw(st.sampled_from(["%", "%zz", "%e9", "%ed%a0%80", "+", ";", "=", "==", "%2C"]))
    text = draw(value)
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


pair = st.tuples(names, encoded(text_value), st.booleans())


def query_string(pairs: list[tuple[str, str, bool]]) -> str:
    return "&".join(
        f"{quote_from_bytes(n.encode(), safe='')}={v}" if eq else n for n, v, eq in pairs
    )


def check(res: httpx.Response, sent: set[str]) -> None:
    assert res.status_code in (200, 400), (res.status_code, res.text[:300])
    assert res.headers["content-type"].startswith("application/json")
    body = res.json()
    if res.status_code == 200:
        jsonschema.validate(body, RESULT_SCHEMA)
        return
    jsonschema.validate(body, ERROR_SCHEMA)
    # Each message quotes the parameter ('page' must be ...) or names both years.
    error = body["error"]
    named = [name for name in KNOWN if f"'{name}'" in error]
    if error == "year_from is after year_to":
        named = ["year_from", "year_to"]
    assert named and set(named) <= sent, error


@given(pairs=st.lists(pair, max_size=8))
def test_any_query_string_is_a_200_or_a_400_naming_the_parameter(
    client: Client, pairs: list[tuple[str, str, bool]]
) -> None:
    res = client.get("/api/search?" + query_string(pairs))
    check(res, {n for n, _, _ in pairs})


@given(
    q=encoded(pieces(ODD_CHARS + ["equity", "AND", "(", '"', "<b>"])),
    page=encoded(number_text),
    page_size=encoded(number_text),
    year_from=encoded(number_text),
    year_to=encoded(number_text),
)
def test_every_parameter_at_once(
    client: Client, q: str, page: str, page_size: str, year_from: str, year_to: str
) -> None:
    given_ = {"q": q, "page": page, "page_size": page_size}
    given_ |= {"year_from": year_from, "year_to": year_to}
    res = client.get("/api/search?" + "&".join(f"{k}={v}" for k, v in given_.items()))
    check(res, set(given_))


@given(
    junk=st.lists(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)),
    with_tag=st.booleans(),
)
def test_any_if_none_match_is_a_200_or_a_304(
    client: Client, junk: list[str], with_tag: bool
) -> None:
    first = client.get("/api/search?q=equity")
    tag = first.headers["etag"]
    header = ", ".join([*junk, tag] if with_tag else junk)
    res = client.get("/api/search?q=equity", headers={"If-None-Match": header})
    matches = with_tag or any(
        j.strip() in ("*", tag, "W/" + tag) for j in ",".join(junk).split(",")
    )
    assert res.status_code == (304 if matches else 200), (header, res.status_code)
    assert res.headers["etag"] == tag
