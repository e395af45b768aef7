"""Kill points for the tests of builds that die: ``EQUITY_KB_KILL_AT=<point>`` makes the
process SIGKILL itself when it reaches that point, exactly as a killed build would stop
there (no handler runs, no file is closed cleanly). Unset, a point costs one lookup.

Points: ``search-index`` (a new Whoosh generation written, not yet published),
``static-index`` (the new Pagefind bundle written, not yet swapped in), ``exports``
(one export file replaced, the others not), ``page:<docname>`` (that page about to be
written, the ones before it written).
"""

from __future__ import annotations

import os
import signal

VARIABLE = "EQUITY_KB_KILL_AT"


def point(name: str) -> None:
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
