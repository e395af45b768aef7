"""schemathesis against the live service: ``equity-kb serve`` in its own process, on a
real index, tested from the OpenAPI document it serves at /api/openapi.json (search/openapi.py).

For every operation the document describes, schemathesis generates requests, valid and
invalid by the document, and checks each answer: no 5xx, a status code the document
lists, the content type it names, and a body its schema accepts. A few examples per
operation in ``make test``; ``make fuzz`` (``HYPOTHESIS_PROFILE=fuzz``) runs many more.
The counts are printed at the end of the module.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_search_fixtures import build_index
from test_service_public import start_service, stop

from equity_kb.search.openapi import openapi_document

EQUITY_KB = Path(sys.executable).with_name("equity-kb")  # the venv's console script
FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "1000" if FUZZ else "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Calls and failures per operation, and the answers' status codes.
CALLS: Counter[str] = Counter()
FAILURES: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    site = tmp / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>KB</title><p>Home</p>")
    index = build_index(tmp / "index")
    service = start_service(site, index, tmp, "--workers", "1")
    try:
        yield service.base
    finally:
        stop(service)
    log = service.log
    # The server logs a traceback for any search that failed (a 500).
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(scope="module", autouse=True)
def counts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not CALLS:
        return
    per_operation = ", ".join(f"{op}: {n}" for op, n in sorted(CALLS.items()))
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES.items()))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    # A teardown's output is captured otherwise.
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.write_line(
            f"\nschemathesis: {len(CALLS)} operations, {sum(CALLS.values())} examples "
            f"({per_operation}); status codes {statuses}; {sum(FAILURES.values())} failing"
        )


# The document the live service serves (test_it_serves_the_document_tested_here checks
# they are one). Loaded here, not from the service's URL: the lazy loader that would wait
# for the fixture (schemathesis.pytest.from_fixture) sets pytest's private Item._nodeid,
# which pytest 9 no longer has (AttributeError in schemathesis 4.32).
schema = schemathesis.openapi.from_dict(openapi_document())


def test_it_serves_the_document_tested_here(service: str) -> None:
    served = httpx.get(f"{service}/api/openapi.json", timeout=30)
    assert served.status_code == 200 and served.json() == openapi_document()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not FUZZ,
    suppress_health_check=list(HealthCheck),
)
def test_the_live_api_answers_as_described(case: Any, service: str) -> None:
    label = case.operation.label
    CALLS[label] += 1
    try:
        response = case.call_and_validate(base_url=service, checks=CHECKS, timeout=30)
    except BaseException:
        FAILURES[label] += 1
        raise
    STATUSES[response.status_code] += 1
