"""Read a Markdown page's YAML front matter with the line of every key and list item.

MyST gives front-matter fields line 0 and turns nested values into JSON strings, so
to point a message at the exact line of a bad key we read the YAML ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .model import Problem


@dataclass
class FrontMatter:
    """Parsed front matter. Lines are 1-based lines of the whole file."""

    data: dict[str, Any]
    key_lines: dict[str, int] = field(default_factory=dict)
    item_lines: dict[tuple[str, int], int] = field(default_factory=dict)
    start: int = 1  # the opening '---'
    end: int = 1  # the closing '---'

    def line(self, key: str, index: int | None = None) -> int:
        """Where to point a message about ``key`` (or one item of it)."""
        if index is not None and (key, index) in self.item_lines:
            return self.item_lines[(key, index)]
        return self.key_lines.get(key, self.start)


def split_front_matter(text: str) -> tuple[str, int] | None:
    """The YAML between the opening and closing '---' and the closing line, if any."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), i + 1
    return "", -1


# libyaml's loader where PyYAML was built with it (it is ~10x faster); same results.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_front_matter(text: str, path: str) -> tuple[FrontMatter | None, list[Problem]]:
    """Parse the front matter of ``text``; problems say file, line and what to do."""
    split = split_front_matter(text)
    if split is None:
        return None, []
    yaml_text, end = split
    if end < 0:
        return None, [
            Problem(
                path,
                1,
                "front matter opened with '---' is never closed: add a '---' line "
                "after the last field",
                "bad_yaml",
            )
        ]
    try:
        # Compose once (the nodes carry line numbers), then build values from the nodes.
        loader = _Loader(yaml_text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(err, "problem", None) or str(err)
        return None, [
            Problem(
                path,
                line,
                f"front matter is not valid YAML ({problem}): check indentation, "
                "colons and quotes; a value containing ': ' must be quoted",
                "bad_yaml",
            )
        ]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [Problem(path, 2, "front matter must be 'field: value' lines", "bad_yaml")]
    fm = FrontMatter(data={str(k): v for k, v in data.items()}, end=end)
    if isinstance(root, yaml.MappingNode):
        for knode, vnode in root.value:
            key = str(knode.value)
            fm.key_lines[key] = knode.start_mark.line + 2
            if isinstance(vnode, yaml.SequenceNode):
                for i, item in enumerate(vnode.value):
                    fm.item_lines[(key, i)] = item.start_mark.line + 2
    return fm, []
