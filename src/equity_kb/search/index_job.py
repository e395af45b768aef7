"""Both search indexes written by a process of their own, beside the build's page writing.

The build hands over what the indexes need (``write_payload``): each entry's stamp, the
documents an update needs (all of them for a rewrite; ``plan.plan_update`` says which),
the facet labels, and the references' index written ahead, if any, with a descriptor
that ends when its writer does. ``python -m equity_kb.search.index_job PAYLOAD ANSWER``
(or, started early, the two paths on stdin) writes both indexes
(``stamps.publish_sources``) and answers in a JSON file: the stats, or the error to
report. A payload that needs documents it lacks (the plan changed between the build and
the job) fails the job, and the build writes the indexes itself.

A fresh interpreter, not a fork: forked late in a large build, the writer held a copy
of the whole heap the build went on changing (1.2 GB at 13,500 entries). No Sphinx
here: the build reports the answer.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from equity_kb.core import background, faults

# The writers (Whoosh's, Pagefind's client, asyncio) are imported by the job only: the
# build imports this module for ``write_payload``, in every build.
Doc = Mapping[str, Any]


class MissingDocuments(RuntimeError):
    """The update needs documents the build did not hand over (its plan has changed)."""


def write_payload(
    path: Path,
    *,
    site: str | os.PathLike[str],
    stamps: Mapping[str, str],
    docs: Sequence[Doc],
    labels: Mapping[str, Mapping[str, str]] | None,
    ahead: Path | None = None,
    ahead_sentinel: int | None = None,
) -> None:
    data = {
        "site": str(site),
        "stamps": dict(stamps),
        "docs": list(docs),
        "labels": labels,
        "ahead": str(ahead) if ahead is not None else None,
        "ahead_sentinel": ahead_sentinel,
    }
    with path.open("wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)


def run(payload: Path, answer: Path, handed: Sequence[int] = ()) -> dict[str, Any]:
    """Write both indexes from ``payload``; the answer, also written to ``answer``.
    ``handed``: the written-ahead job's end, handed over after this job started
    (``Spawned.hand_over``), which the payload's descriptor then is not."""
    from .indexer import prebuild_complete
    from .stamps import Sources, publish_sources
    from .static_index import StaticIndexError

    with payload.open("rb") as f:
        data = pickle.load(f)
    faults.point("index-job")
    by_key = {d["key"]: d for d in data["docs"]}

    def make(keys: Collection[str]) -> list[Doc]:
        missing = [k for k in keys if k not in by_key]
        if missing:
            raise MissingDocuments(f"{len(missing)} documents were not handed over")
        return [by_key[k] for k in keys]

    result: dict[str, Any] = {}
    ahead = Path(data["ahead"]) if data["ahead"] else None
    sentinel = handed[0] if handed else data["ahead_sentinel"]

    def prebuilt() -> Path | None:
        if sentinel is not None:
            background.wait_for(sentinel)
        if ahead is not None and not prebuild_complete(ahead):
            result["ahead_failed"] = True
        return ahead  # finish_prebuild drops it if its writer did not complete it

    try:
        stats = publish_sources(
            data["site"],
            Sources(data["stamps"], make),
            labels=data["labels"],
            prebuilt=prebuilt if ahead is not None else None,
            fork=True,
        )
        result["stats"] = dataclasses.asdict(stats)
    except OSError as err:
        result["error"] = [err.errno or 0, err.strerror or str(err), err.filename]
    except StaticIndexError as err:
        result["error"] = [0, str(err), None]
    tmp = answer.with_name(f".{answer.name}.tmp")
    try:
        tmp.write_text(json.dumps(result), encoding="utf-8")
        os.replace(tmp, answer)
    except OSError:  # no room even for this: the build writes them itself, and says why
        tmp.unlink(missing_ok=True)
        raise SystemExit(1) from None
    return result


def main(argv: Sequence[str]) -> int:
    """``index_job PAYLOAD ANSWER``; or, with no arguments, started early and told them
    on stdin (a JSON pair), having imported what it needs meanwhile. Nothing on stdin:
    the build wanted nothing after all."""
    if len(argv) == 2:
        run(Path(argv[0]), Path(argv[1]))
        return 0
    from . import stamps  # noqa: F401  (the writers imported before the work arrives)

    _static_terms_schema()
    line, handed = background.work_line()
    if line.strip():
        payload, answer = json.loads(line)
        run(Path(payload), Path(answer), handed)
    return 0


def _static_terms_schema() -> None:
    from .static_terms import _schema

    _schema()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
