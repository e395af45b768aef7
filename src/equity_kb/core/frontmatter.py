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
_NULL = "tag:yaml.org,2002:null"


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
            if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL):
                return FrontMatter(data={}, end=end), []  # nothing between the lines
            if not isinstance(root, yaml.MappingNode):
                return None, [
                    Problem(path, 2, "front matter must be 'field: value' lines", "bad_yaml")
                ]
            loader.flatten_mapping(root)  # merge keys ('<<') into the mapping
            return _fields(loader, root, path, end)
        finally:
            loader.dispose()
    except (yaml.YAMLError, ValueError) as err:
        # ValueError: libyaml cannot encode a lone surrogate (no UTF-8 file holds one).
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


def _fields(
    loader: Any, root: yaml.MappingNode, path: str, end: int
) -> tuple[FrontMatter, list[Problem]]:
    """Each field built on its own, so a value that parses but cannot be built (the
    13th month, an unknown tag, a number too long to print) spoils that field only."""
    fm = FrontMatter(data={}, end=end)
    problems: list[Problem] = []
    for knode, vnode in root.value:
        line = knode.start_mark.line + 2
        if not isinstance(knode, yaml.ScalarNode):
            problems.append(
                Problem(path, line, "a field name must be a word, like 'title:'", "bad_yaml")
            )
            continue
        key = str(knode.value)  # as written: '0x10' stays '0x10', 'null' stays 'null'
        if key in fm.key_lines:
            problems.append(
                Problem(
                    path,
                    line,
                    f"field '{key}' is given twice (also on line {fm.key_lines[key]}); "
                    "the last one is used: delete the other",
                    "bad_yaml",
                )
            )
        try:
            value = _construct(loader, vnode)
        except Exception as err:
            # PyYAML's constructors raise what they meet: a ValueError for the 13th
            # month, an AttributeError or KeyError for a value an explicit tag
            # (!!timestamp, !!bool) does not fit. Any of them spoils this field only.
            reason = _reason(err)
            problems.append(
                Problem(
                    path,
                    vnode.start_mark.line + 2,
                    f"the value of '{key}' cannot be read ({reason[:200]}): correct it, or "
                    "put it in quotes to keep it as text",
                    "bad_yaml",
                )
            )
            fm.data.pop(key, None)
            fm.key_lines[key] = line
            continue
        fm.data[key] = value
        fm.key_lines[key] = line
        fm.item_lines = {k: v for k, v in fm.item_lines.items() if k[0] != key}
        if isinstance(vnode, yaml.SequenceNode):
            for i, item in enumerate(vnode.value):
                fm.item_lines[(key, i)] = item.start_mark.line + 2
    return fm, problems


def _reason(err: Exception) -> str:
    if isinstance(err, yaml.YAMLError):
        return str(getattr(err, "problem", None) or err)
    if isinstance(err, ValueError | OverflowError):
        return str(err)  # says what is wrong: "month must be in 1..12"
    return "YAML cannot build a value of its type from it"


def _construct(loader: Any, node: yaml.Node) -> Any:
    """The value of ``node``, as ``construct_document`` builds it (nested values are
    filled in by the constructor's pending generators, so depth costs no recursion)."""
    try:
        value = loader.construct_object(node)
        while loader.state_generators:
            pending, loader.state_generators = loader.state_generators, []
            for generator in pending:
                for _ in generator:
                    pass
        return value
    finally:
        loader.state_generators = []
        loader.recursive_objects = {}
