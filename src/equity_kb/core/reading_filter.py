"""sphinxcontrib-bibtex's ``:filter:`` expressions, read safely and applied to references.

A filter is a Python expression (sphinxcontrib-bibtex parses it with :mod:`ast` too);
only the forms its documentation describes are allowed: ``and``, ``or``, ``not``,
comparisons (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``, ``not in``), ``%`` for a
case-insensitive regular expression search, strings, numbers, ``True`` and ``False``,
and these names: ``cited`` (cited on some page), ``docname`` (this page), ``docnames``
(the pages citing the entry), ``key``, ``type`` (the entry type) and any field
(``author``, ``year``, ``title``, ``tenets``...; an absent field is ""). Nothing else is
evaluated, so a filter cannot run code.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from .model import Reference

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class FilterError(ValueError):
    """A filter this module does not read; the message says which part."""


@dataclass(frozen=True)
class Context:
    """What a filter may ask about one reference on one page."""

    ref: Reference
    docname: str
    docnames: Collection[str]  # the pages that cite it

    def name(self, name: str) -> Any:
        if name == "cited":
            return bool(self.docnames)
        if name == "docname":
            return self.docname
        if name == "docnames":
            return self.docnames
        if name == "key":
            return self.ref.key
        if name == "type":
            return self.ref.bibtype
        if name == "year" and self.ref.issued is not None:
            return str(self.ref.issued)
        return self.ref.fields.get(name, "")


def parse_filter(text: str) -> ast.expr:
    """The expression of a filter, checked to hold only the allowed forms."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise FilterError(f"{text!r} is not an expression: {err.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(
            node,
            ast.Expression
            | ast.BoolOp
            | ast.And
            | ast.Or
            | ast.UnaryOp
            | ast.Not
            | ast.Compare
            | ast.BinOp
            | ast.Mod
            | ast.Name
            | ast.Load
            | ast.Constant
            | ast.cmpop,
        ):
            raise FilterError(
                f"{text!r} uses {type(node).__name__}, which a filter cannot: use and, or, "
                "not, comparisons, in, % (a regular expression), strings and field names"
            )
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            raise FilterError(f"{text!r}: only 'not' may stand before a value")
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Mod):
            raise FilterError(f"{text!r}: the only operator between values is % (a regex)")
    return tree.body


def matches(expr: ast.expr, context: Context) -> bool:
    """Whether the reference in ``context`` passes the filter ``expr`` (from parse_filter)."""
    return bool(_value(expr, context))


def _value(node: ast.expr, c: Context) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return True if node.id == "True" else False if node.id == "False" else c.name(node.id)
    if isinstance(node, ast.BoolOp):
        values = (_value(v, c) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        return not _value(node.operand, c)
    if isinstance(node, ast.BinOp):  # %: sphinxcontrib-bibtex's case-insensitive regex search
        pattern, text = _value(node.right, c), _value(node.left, c)
        try:
            return re.search(str(pattern), str(text), re.IGNORECASE) is not None
        except re.error as err:
            raise FilterError(f"{pattern!r} is not a regular expression: {err}") from None
    if isinstance(node, ast.Compare):
        left = _value(node.left, c)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _value(right_node, c)
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                return False  # "2021" < 5: not comparable, so not a match
            left = right
        return True
    raise FilterError(f"cannot read {ast.dump(node)}")  # parse_filter lets nothing else in
