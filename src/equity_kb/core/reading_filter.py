"""sphinxcontrib-bibtex's ``:filter:`` expressions, read safely and applied to references.

A filter is a Python expression (sphinxcontrib-bibtex parses it with :mod:`ast` too, and
evaluates it node by node with its ``_FilterVisitor``). This module reads the same
language, with the same meaning, and nothing else:

- ``and``, ``or``, ``not``;
- one comparison at a time: ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``,
  ``not in`` (not ``is``, and not a chain such as ``"2000" <= year <= "2005"``: write
  ``"2000" <= year and year <= "2005"``);
- ``text % "regex"``: a case-insensitive regular expression search (:func:`re.search`),
  both sides strings;
- ``|`` and ``&`` (on sets: ``{"doc1", "doc2"} & docnames``), set literals ``{...}``;
- constants: strings, numbers, ``True``, ``False``, ``None``;
- names: ``cited`` (cited on some page), ``docname`` (this page), ``docnames`` (the set
  of pages citing the entry), ``key`` and ``type`` (lower case, as sphinxcontrib-bibtex
  gives them), ``author`` and ``editor`` (the names as pybtex writes them, "Last, First",
  joined by " and "), and any other name is that field (case-insensitive; an absent
  field is ""; ``year`` falls back to the year of a BibLaTeX ``date``).

Anything else (calls, attributes, indexing, lambdas, lists, ``is``, ``+``, ``-``, ``^``...)
is refused by :func:`parse_filter` with a :class:`FilterError` that says what is not
allowed. Nothing is ever passed to ``eval``, so a filter cannot run code; evaluation
(:func:`matches`) raises nothing but :class:`FilterError` (a string compared with a number,
a regular expression that does not compile...).

Fields hold their decoded text (LaTeX escapes resolved), where sphinxcontrib-bibtex sees
them as written in the ``.bib`` file.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from .model import Person, Reference

# How deeply a filter may nest (sphinxcontrib-bibtex, evaluating recursively, would fail
# with a RecursionError somewhere near Python's recursion limit instead).
MAX_DEPTH = 100

_COMPARE: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.In: ("in", lambda a, b: a in b),
    ast.NotIn: ("not in", lambda a, b: a not in b),
}
_SET_OPS: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.BitOr: ("|", operator.or_),
    ast.BitAnd: ("&", operator.and_),
}
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.MatMult: "@",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitXor: "^",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_FORMS: dict[type[ast.AST], str] = {
    ast.Call: "a function call",
    ast.Attribute: "an attribute (x.y)",
    ast.Subscript: "indexing (x[...])",
    ast.Slice: "a slice",
    ast.Lambda: "a lambda",
    ast.List: "a list [...] (write a set {...})",
    ast.Tuple: "a tuple (write a set {...})",
    ast.Dict: "a dict",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.IfExp: "a conditional (x if y else z)",
    ast.NamedExpr: "an assignment (:=)",
    ast.Starred: "unpacking (*x)",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Await: "await",
}
_ALLOWED = (
    "and, or, not, one comparison (==, !=, <, <=, >, >=, in, not in), % (a regular "
    "expression search), | and & (sets), sets {...}, strings, numbers, True, False, None "
    "and names (cited, docname, docnames, key, type, author, editor or a field)"
)


class FilterError(ValueError):
    """A filter this module does not read, or cannot apply; the message says why."""


@dataclass(frozen=True)
class Context:
    """What a filter may ask about one reference on one page."""

    ref: Reference
    docname: str
    docnames: Collection[str]  # the pages that cite it

    def name(self, name: str) -> Any:
        """The value of ``name`` for this reference, as sphinxcontrib-bibtex computes it."""
        if name == "cited":
            return bool(self.docnames)
        if name == "docname":
            return self.docname
        if name == "docnames":
            return set(self.docnames)
        if name == "key":
            return self.ref.key.lower()
        if name == "type":
            return self.ref.bibtype.lower()
        if name == "author":
            return _names(self.ref.persons) if self.ref.persons else self.ref.fields.get(name, "")
        if name == "editor":
            return _names(self.ref.editors) if self.ref.editors else self.ref.fields.get(name, "")
        field = name.lower()
        if field in ("author", "editor"):
            return ""  # pybtex keeps the names apart from the fields: only these two spellings
        if field == "year" and field not in self.ref.fields and self.ref.issued is not None:
            return str(self.ref.issued)  # a BibLaTeX date's year
        return self.ref.fields.get(field, "")


def _names(people: Iterable[Person]) -> str:
    """The names as sphinxcontrib-bibtex gives them: pybtex's "von Last, Jr, First", " and "."""
    return " and ".join(
        ", ".join(
            part
            for part in (" ".join(filter(None, (p.particle, p.family))), p.suffix, p.given)
            if part
        )
        for p in people
    )


# ---------------------------------------------------------------------------- reading


def parse_filter(text: str) -> ast.expr:
    """The expression of a filter, checked to hold only the allowed forms."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise FilterError(f"{_quote(text)} is not an expression: {err.msg}") from None
    except (ValueError, RecursionError, MemoryError) as err:  # a null byte; nested too deeply
        raise FilterError(f"{_quote(text)} cannot be read: {str(err) or 'too complex'}") from None
    depth: dict[ast.AST, int] = {tree: 0}
    for node in ast.walk(tree):  # breadth first, so parents before children
        if depth[node] > MAX_DEPTH:
            raise FilterError(f"{_quote(text)} is nested more than {MAX_DEPTH} levels deep")
        problem = _refusal(node)
        if problem:
            raise FilterError(f"{_quote(text)}: {problem}")
        for child in ast.iter_child_nodes(node):
            depth[child] = depth[node] + 1
    return tree.body


def _refusal(node: ast.AST) -> str | None:
    """Why ``node`` may not be in a filter, where sphinxcontrib-bibtex refuses it too."""
    if isinstance(
        node,
        ast.Expression
        | ast.BoolOp
        | ast.Name
        | ast.Constant
        | ast.Set
        | ast.expr_context
        | ast.boolop
        | ast.operator
        | ast.unaryop
        | ast.cmpop,  # the operators are judged with their expression
    ):
        return None
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return None
        return f"only 'not' may stand before a value, not '{_SYMBOLS[type(node.op)]}'"
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):
            for side, operand in (("left", node.left), ("right", node.right)):
                if isinstance(operand, ast.Constant) and not isinstance(operand.value, str):
                    return f"% needs a string on its {side}, not {_show(operand.value)}"
            return None
        if type(node.op) in _SET_OPS:
            return None
        return (
            f"'{_SYMBOLS.get(type(node.op), '?')}' is not allowed between values: use "
            "% (a regular expression search), | or & (sets)"
        )
    if isinstance(node, ast.Compare):
        if len(node.ops) > 1:
            return (
                "only one comparison at a time (not a chain such as a < b < c: "
                "write a < b and b < c)"
            )
        if isinstance(node.ops[0], ast.Is | ast.IsNot):
            return f"'{_SYMBOLS[type(node.ops[0])]}' is not allowed: use == or !="
        return None
    form = _FORMS.get(type(node), type(node).__name__)
    return f"{form} is not allowed in a filter; use {_ALLOWED}"


# ---------------------------------------------------------------------------- applying


def matches(expr: ast.expr, context: Context) -> bool:
    """Whether the reference in ``context`` passes the filter ``expr`` (from parse_filter)."""
    try:
        return bool(_value(expr, context))
    except RecursionError:  # parse_filter caps the depth; a hand-built tree may not
        raise FilterError("the filter is nested too deeply to apply") from None


def _value(node: ast.expr, c: Context) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return c.name(node.id)
    if isinstance(node, ast.BoolOp):
        values = (_value(v, c) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _value(node.operand, c)
    if isinstance(node, ast.Set):
        items = [_value(e, c) for e in node.elts]
        try:
            return frozenset(items)
        except TypeError:
            kinds = ", ".join(sorted({_kind(i) for i in items}))
            raise FilterError(f"a set {{...}} cannot hold these values ({kinds})") from None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _search(_value(node.left, c), _value(node.right, c))
    if isinstance(node, ast.BinOp) and type(node.op) in _SET_OPS:
        symbol, op = _SET_OPS[type(node.op)]
        return _apply(symbol, op, _value(node.left, c), _value(node.right, c))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        symbol, op = _COMPARE[type(node.ops[0])]
        return _apply(symbol, op, _value(node.left, c), _value(node.comparators[0], c))
    raise FilterError(f"cannot apply {type(node).__name__}: {_ALLOWED}")  # not from parse_filter


def _search(text: Any, pattern: Any) -> re.Match[str] | None:
    """sphinxcontrib-bibtex's ``text % pattern``: ``re.search``, ignoring case."""
    for side, value in (("left", text), ("right", pattern)):
        if not isinstance(value, str):
            raise FilterError(f"% needs a string on its {side}, not {_show(value)}")
    try:
        return re.search(pattern, text, re.IGNORECASE)
    except (re.error, OverflowError, ValueError, RecursionError) as err:
        raise FilterError(f"{_show(pattern)} is not a regular expression: {err}") from None


def _apply(symbol: str, op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    try:
        return op(left, right)
    except (TypeError, ValueError, OverflowError):
        raise FilterError(
            f"cannot apply {symbol} to {_show(left)} and {_show(right)} "
            f"({_kind(left)} and {_kind(right)})"
        ) from None


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | complex):
        return "a number"
    if isinstance(value, set | frozenset):
        return "a set"
    if isinstance(value, re.Match):
        return "a regular expression match"
    if value is None:
        return "None"
    return type(value).__name__


def _show(value: Any, width: int = 40) -> str:
    """``value`` for a message: short, and never failing (a huge int has no repr)."""
    if isinstance(value, re.Match):
        return "a regular expression match"
    if isinstance(value, set | frozenset):
        text = (
            "{" + ", ".join(sorted(_show(v, 20) for v in value)) + "}" if value else "an empty set"
        )
    else:
        try:
            text = repr(value)
        except ValueError:
            return f"a {type(value).__name__} too long to show"
    return text if len(text) <= width else text[: width - 1] + "…"


def _quote(text: str) -> str:
    return _show(text.strip(), 80)
