"""One log line per request, without the query text.

What a reader searches for can say a lot about them (a teacher looking for help with
a complaint, a parent with a child's case), so the INFO line holds the method, the
path without its query string, the status, the bytes sent, the time taken and, for
``/api/search``, how it was answered (``cache``, ``revalidated``: a 304, or ``searched``). The query
string is logged at DEBUG only (``--log-level debug``), for a developer's own machine.
Replaces uvicorn's access log, which prints the full URL.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("equity_kb.access")

Scope = dict[str, Any]


class AccessLog:
    """ASGI middleware: ``GET /api/search 200 12034 B 3.1 ms searched``."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        sent = 0

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - started) * 1000
            how = scope.get("state", {}).get("kb_answered", "")
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %d %d B %.1f ms%s",
                    scope.get("method", ""),
                    scope.get("path", ""),
                    status,
                    sent,
                    ms,
                    f" {how}" if how else "",
                )
            if log.isEnabledFor(logging.DEBUG) and scope.get("query_string"):
                log.debug("query string: %s", scope["query_string"].decode("latin-1"))
