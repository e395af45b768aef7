"""The collector is off while Sphinx loads the environment, and on again after."""

from __future__ import annotations

import gc
from pathlib import Path

from sphinx.testing.util import SphinxTestApp


def test_objects_loaded_before_builder_inited_are_frozen_for_the_build(
    kb_build, make_app, tmp_path: Path
) -> None:
    first = kb_build()  # an environment to load
    app: SphinxTestApp = make_app("html", srcdir=Path(first.srcdir), freshenv=False)
    loaded = app.env.domaindata  # unpickled with the environment
    seen: list[tuple[bool, int, bool]] = []

    def during_the_build(*args: object) -> None:
        walked = any(o is loaded for o in gc.get_objects())  # frozen ones are not listed
        seen.append((gc.isenabled(), gc.get_freeze_count(), walked))

    app.connect("env-before-read-docs", during_the_build)
    (Path(first.srcdir) / "practices/PC-002.md").touch()
    app.build()
    app.cleanup()
    assert seen[0][0] and seen[0][1] > 10_000 and not seen[0][2]
    assert gc.isenabled() and gc.get_freeze_count() == 0  # thawed at build-finished
    assert any(o is loaded for o in gc.get_objects())


def test_a_build_that_stops_before_builder_inited_does_not_leave_it_off(
    make_app, kb_build, tmp_path: Path
) -> None:
    from equity_kb.sphinxext.entries.collector import setup_collector

    class Stub:
        def connect(self, *args: object, **kwargs: object) -> None:
            pass

    setup_collector(Stub())  # as if the build then failed before builder-inited
    assert not gc.isenabled()
    kb_build()
    assert gc.isenabled() and gc.get_freeze_count() == 0
