"""The collector held off while Sphinx loads the pickled environment, and the objects
loaded then frozen for the build (why: :func:`setup_collector`)."""

from __future__ import annotations

import atexit
import gc
from typing import Any


def setup_collector(app: Any) -> None:
    """Keep the collector off while Sphinx unpickles the environment, and the objects
    alive then out of collections until the build ends.

    Sphinx loads the pickled environment between extensions' ``setup`` and
    ``builder-inited``: at 100x the shipped size that is a million objects, and the
    collections their allocation triggers took two thirds of the load. They live for
    the whole build, so they are frozen (``gc.freeze``) until ``build-finished``, and
    collections during the build no longer walk them. The collection at interpreter
    exit walks every object still alive (3.5 s after a one-page rebuild at 100x), so
    everything is frozen at exit too.
    """
    global _held
    atexit.unregister(gc.freeze)  # once, however many builds a process runs
    atexit.register(gc.freeze)
    if _held:
        gc.enable()  # an earlier build stopped before builder-inited
        _held = False
    if not gc.isenabled():
        return
    gc.disable()
    _held = True
    app.connect("builder-inited", _resume_collector, priority=0)
    app.connect("build-finished", _thaw, priority=1000)


# True while this module holds the collector off for a build's start.
_held = False


def _resume_collector(app: Any) -> None:
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


def _thaw(app: Any, exception: BaseException | None) -> None:
    gc.unfreeze()  # collectable again: a process may run another build next
