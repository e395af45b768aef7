"""A job started to listen (``background.spawn(listen=True)``) is a real interpreter whose
stdin is a socket: the build hands it descriptors before its work (``hand_over``), and
the job receives them with its line of work (``work_line``)."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from equity_kb.core import background

pytestmark = pytest.mark.skipif(not hasattr(socket, "send_fds"), reason="no SCM_RIGHTS here")

# The job: its work line, and what it reads from each descriptor it was handed, written
# to the file named by its first argument.
JOB = """
import json, os, sys
from equity_kb.core import background
line, fds = background.work_line()
out = {"line": line, "fds": len(fds), "read": [os.read(fd, 100).decode() for fd in fds]}
open(sys.argv[1], "w").write(json.dumps(out))
"""


class Owner:
    """Jobs are kept by owner (weakly): any object will do."""


def _env() -> dict[str, str]:
    src = str(Path(background.__file__).resolve().parents[2])
    return {**os.environ, "PYTHONPATH": src}


def test_the_job_answers_what_it_was_handed(tmp_path: Path) -> None:
    owner = Owner()
    result = tmp_path / "result.json"
    job = background.spawn(
        owner, "t", [sys.executable, "-c", JOB, str(result)], listen=True, env=_env()
    )
    assert job is not None and not job.told
    reader, writer = os.pipe()
    os.write(writer, b"from the pipe")
    os.close(writer)
    assert job.hand_over(reader)
    os.close(reader)
    assert job.tell('["payload", "answer"]') and job.told
    assert job.wait()
    got = json.loads(result.read_text())
    assert got == {"line": '["payload", "answer"]', "fds": 1, "read": ["from the pipe"]}


def test_a_job_told_nothing_reads_an_empty_line(tmp_path: Path) -> None:
    owner = Owner()
    result = tmp_path / "result.json"
    job = background.spawn(
        owner, "t", [sys.executable, "-c", JOB, str(result)], listen=True, env=_env()
    )
    assert job is not None
    job._channel.close()  # type: ignore[attr-defined]  (the build ended without work)
    assert job.wait()
    assert json.loads(result.read_text()) == {"line": "", "fds": 0, "read": []}
