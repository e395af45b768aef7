"""Run citeproc-py's own rendering code over a faster copy of a CSL style tree.

Why this exists: citeproc-py interprets the CSL style (an lxml tree) for every
reference, and with the large APA style most of its time went to the tree, not to
formatting: every ``element.get(...)`` and ``element.find(...)`` crosses into lxml
(``find`` runs lxml's ElementPath in Python), every child visited needs an element
proxy looked up or built, locale terms, macros and layouts are found again with
XPath each time, and ``calls_variable`` walks whole subtrees again for every group.
That was about 6 ms a reference.

What this does: :func:`fast_style` loads the style with citeproc-py as usual, then
replaces its root with a *shadow* tree: one Python object per element, of a subclass
of the very citeproc-py class lxml would have given that element (``Text``,
``Group``, ``Names``...), so every rendering method is citeproc-py's own. Only the
element API underneath is different: attributes are a dict, children a tuple, the
parent and root a reference, and XPath answers (the tree never changes while
rendering) are computed once on the original tree and memoised. Any part of lxml's
element API not provided here raises ``NotImplementedError`` instead of running on
an element that has no lxml node, so a citeproc-py version that needs more fails
loudly (and :mod:`equity_kb.core.apa` then renders that reference the stock way).

On top of that, a few small citeproc-py methods are replaced, on the shadow classes
only (the stock classes, and every other style loaded in the process, are untouched),
by versions that give the same answer with less work: memoised macro, term, layout
and locale-option look-ups and ``calls_variable``; ``format`` and ``wrap`` that skip
the work when an element has no formatting or affix attributes; ``cs:choose``
evaluating its conditions without raising an exception per failed branch; ``cs:text``
not raising and catching an exception to learn that a reference has no language.
Each replacement is installed only if the source of the citeproc-py code it stands
in for is exactly the one it was written against (``_PINNED``); after an upgrade that
changes one, that one is simply not installed. Last, macro output is memoised under
what the macro asked of the reference (see "macro memo" below): most APA macros ask
little, and answer the same for many references.

The output is therefore citeproc-py's. Tests in ``tests/test_apa.py`` compare it with
stock citeproc-py, reference by reference, over every entry type we produce, and
``equity_kb.core.apa`` renders a few sample items both ways before it uses a fast style.
Like citeproc-py's own (whose formatter is set on the shared style), none of this is
meant for rendering from several threads at once.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from citeproc import CitationItem, CitationStylesStyle
from citeproc import model as cm
from citeproc.source import CustomDict, Reference
from lxml import etree

# sha256 (first 16 hex digits) of the source of each citeproc-py function that a
# replacement below stands in for or relies on, as of citeproc-py 0.11.1 (see _pinned).
_PINNED: dict[str, str] = {
    "CitationStylesElement.get_formatter": "1ddc4662031e06d6",
    "Locale.get_formatter": "3518f6f0e091ff27",
    "Formatted.format": "eca3803a48ed484c",
    "Formatted.font_style": "997ae8f3d331e95b",
    "Formatted.font_variant": "f357d9cfd07e0af4",
    "Formatted.font_weight": "83a6802e0531a045",
    "Formatted.text_decoration": "15edb106ea60342d",
    "Formatted.vertical_align": "954b207003401af4",
    "Affixed.wrap": "cf9734ab3142d7d7",
    "CitationStylesElement.get_macro": "1947e6a92b5c7589",
    "CitationStylesElement.get_layout": "bb73143928e5f42c",
    "CitationStylesElement.get_term": "69ff455f85d6b2f1",
    "Locale.get_term": "3d5c9cedb87ae045",
    "CitationStylesElement.get_locale_option": "f2986ff1f39f3c45",
    "Locale.get_option": "5af2726a30e30363",
    "Parent.calls_variable": "0be54bb70ed2e437",
    "Text.calls_variable": "84f7651ed4c7701a",
    "Label.calls_variable": "6d74f03b1d443cb1",
    "Group.calls_variable": "f26a8c7a6a7442d1",
    "Date.calls_variable": "f26a8c7a6a7442d1",
    "Number.calls_variable": "f26a8c7a6a7442d1",
    "Names.calls_variable": "f26a8c7a6a7442d1",
    "Text.process": "f5df50a9abda2755",
    "Choose.render": "a09b06a1cfa384db",
    "If.render": "127a05cb693c07a3",
    "If._type": "57287dd777115109",
    "If._variable": "abe08c94efdf8a17",
    "Else.render": "2a7d07fb003ffd68",
    "Macro.render": "a17a63a891645a22",
}


def _source_hash(func: Callable[..., Any]) -> str | None:
    try:
        return hashlib.sha256(inspect.getsource(func).encode()).hexdigest()[:16]
    except (OSError, TypeError):
        return None


@functools.cache
def _pinned(*names: str) -> bool:
    """Whether each named citeproc-py function is still exactly the code we replace."""
    for name in names:
        owner, _, attr = name.partition(".")
        func = getattr(getattr(cm, owner, None), attr, None)
        if func is None or _source_hash(func) != _PINNED.get(name):
            return False
    return True


def _unsupported(*_args: Any, **_kwargs: Any) -> Any:
    raise NotImplementedError("not provided by the shadow CSL tree")


_UNSUPPORTED = property(_unsupported)


class _Shadow:
    """The element API citeproc-py uses, over plain Python data (see the module doc).

    Instances are made with ``etree._Element.__new__`` and never get an lxml node;
    everything citeproc-py calls is defined here or in ``__dict__`` (``attrib``,
    ``get``, ``tag``, ``text`` and the underscored fields set by :func:`_build`).
    """

    # Data descriptors of lxml's _Element, shadowed so the instance values are used.
    attrib: Any = None
    tag: Any = None
    text: Any = None
    tail: Any = None
    sourceline: Any = None
    _children: tuple[Any, ...]
    _first: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        # SomewhatObjectifiedElement: ``element.layout`` is its first cs:layout child.
        if name[0] == "_":
            raise AttributeError(name)
        return self._first.get(name)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrib.get(key, default)

    def keys(self) -> list[str]:
        return list(self.attrib)

    def items(self) -> list[tuple[str, str]]:
        return list(self.attrib.items())

    def values(self) -> list[str]:
        return list(self.attrib.values())

    def find(self, path: str, namespaces: Any = None) -> Any:
        local = _simple_child_path(path)
        return self._first.get(local) if local else _unsupported()

    def findall(self, path: str, namespaces: Any = None) -> list[Any]:
        local = _simple_child_path(path)
        if not local:
            _unsupported()
        return [child for child in self._children if child._local == local]

    def iterchildren(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        if args or kwargs:
            _unsupported()
        return iter(self._children)

    def getchildren(self) -> list[Any]:
        return list(self._children)

    def getparent(self) -> Any:
        return self._parent

    def get_root(self) -> Any:
        return self._root

    def xpath(self, expression: str, namespaces: Any = None, **kwargs: Any) -> Any:
        result = self._element.xpath(expression, namespaces=namespaces, **kwargs)
        if isinstance(result, list):
            return [self._shadows.get(node, node) for node in result]
        return result

    def xpath_search(self, expression: str) -> Any:
        memo = self._xpath_memo
        hit = memo.get(expression)
        if hit is None:
            hit = memo[expression] = self.xpath(expression, namespaces=self.nsmap)
        return hit

    def __len__(self) -> int:
        return len(self._children)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._children)

    def __bool__(self) -> bool:
        return bool(self._children)

    def __getitem__(self, index: Any) -> Any:
        return self._children[index]

    def __contains__(self, element: Any) -> bool:
        return any(child is element for child in self._children)

    def __repr__(self) -> str:
        return f"<shadow {self.tag}>"

    # The rest of lxml's element API: not used by citeproc-py 0.11 on a style.
    (
        __copy__,
        __deepcopy__,
        __delitem__,
        __setitem__,
        __reversed__,
        _init,
        addnext,
        addprevious,
        append,
        clear,
        cssselect,
        extend,
        findtext,
        getiterator,
        getnext,
        getprevious,
        getroottree,
        index,
        insert,
        iter,
        iterancestors,
        iterdescendants,
        iterfind,
        itersiblings,
        itertext,
        makeelement,
        remove,
        replace,
        set,
    ) = (_unsupported,) * 29
    base = prefix = _UNSUPPORTED


def _simple_child_path(path: str) -> str:
    """'cs:layout' -> 'layout'; '' for anything but a single namespaced child step."""
    local = path[3:] if path.startswith("cs:") else ""
    return local if local and all(c.isalnum() or c in "-_" for c in local) else ""


# ---------------------------------------------------------------- macro memo
#
# A macro's output depends on the reference only through what the macro asks of it.
# With APA most macros ask little and answer the same for many references ("identifier"
# renders nothing unless a report number or the like is there; "source-publisher" is
# the same for every book from one publisher). So a macro's output is memoised under
# what it asked and was told: while it renders, the reference the item hands out is a
# copy that notes each question (is X there? what is X?) and its answer; the questions
# and answers form a path in a trie (a macro always asks the same next question after
# the same answers, as it is a function of them) that ends in the output and the change
# to the layout's "repressed" variables (cs:substitute). Another reference that answers
# the same questions the same way gets that output without rendering. Anything else
# the macro might depend on is part of the key (the calling element, the sort options,
# the output format, the repressed variables on entry); a macro that reads the citation
# item itself (a locator, a citation number), or the reference as a whole, or raises,
# is not memoised; a macro that is rarely answered from the memo (author names, titles)
# stops being looked up after a while. The argument rests on how citeproc-py as a whole
# treats references and strings, so the memo is on only for the exact citeproc-py
# sources it was checked against (_PINNED_MODULES), and not for a style whose cs:date
# overrides locale date parts (citeproc-py then changes the locale as it renders, so
# skipping a render would change later output).

# sha256 (first 16 hex digits) of whole citeproc-py modules, as of citeproc-py 0.11.1.
_PINNED_MODULES: dict[str, str] = {
    "citeproc.model": "7b569db7dbc0ecd6",
    "citeproc.string": "f7e489860bf252c3",
    "citeproc.source": "6ebbdc53ac1c207b",
}
_MEMO_MIN_LOOKUPS = 48  # a macro answered from the memo less than _MEMO_MIN_RATE of
_MEMO_MIN_RATE = 0.3  # the time after this many look-ups is no longer memoised


@functools.cache
def _modules_pinned() -> bool:
    import importlib

    for name, expected in _PINNED_MODULES.items():
        try:
            source = inspect.getsource(importlib.import_module(name))
        except (OSError, TypeError, ImportError):
            return False
        if hashlib.sha256(source.encode()).hexdigest()[:16] != expected:
            return False
    return True


class _Recording:
    """What one macro asked of the reference while rendering: (kind, name, answer)."""

    __slots__ = ("log", "ok")

    def __init__(self) -> None:
        self.log: list[tuple[str, Any, Any]] = []
        self.ok = True


_recordings: list[_Recording] = []  # the macros now recording, innermost last
_value_ids: dict[str, int] = {}  # repr(a frozen value) -> a number standing for it


class _Unfreezable(Exception):
    pass


def _freeze(value: Any) -> Any:
    """A hashable equivalent of a reference value: equal only if the values are equal
    and of the same types all the way down (String and NoCase, Date and DateRange)."""
    if isinstance(value, dict):
        return (type(value), tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_freeze(v) for v in value))
    if isinstance(value, str):
        return (type(value), str(value))
    if isinstance(value, float):
        return (type(value), repr(value))  # 0.0 == -0.0, but they print differently
    if value is None or isinstance(value, int):
        return (type(value), value)
    raise _Unfreezable


def _value_id(reference: Any, name: str) -> int:
    """The answer to "what is ``name``?": -1 if missing, else a number per distinct value.

    Values are told apart by the repr of their frozen form (a string, which Python's
    garbage collector need not walk, unlike nested tuples): repr is exact for the types
    _freeze lets through, and includes every type's module and name.
    """
    ids = reference.__dict__.get("_value_ids")
    if ids is None:
        ids = {}
        object.__setattr__(reference, "_value_ids", ids)  # CustomDict would make it a key
    hit = ids.get(name)
    if hit is None:
        if not dict.__contains__(reference, name):
            hit = -1
        else:
            try:
                frozen = repr(_freeze(dict.__getitem__(reference, name)))
                hit = _value_ids.setdefault(frozen, len(_value_ids))
            except (_Unfreezable, TypeError):  # TypeError: keys that cannot be sorted
                hit = -2 - len(_value_ids)  # equal to no other answer
                _value_ids[f"\0unfreezable {hit}"] = hit
        ids[name] = hit
    return hit


def forget_reference(reference: Any) -> None:
    """Drop what the macro memo attached to a reference once it has been rendered."""
    reference.__dict__.pop("_tracked", None)
    reference.__dict__.pop("_value_ids", None)


def _spoil(*_args: Any) -> None:
    """The macro now rendering read something not in its key: do not memoise it."""
    if _recordings:
        _recordings[-1].ok = False


class _TrackedReference(Reference):  # type: ignore[misc]
    """A copy of a reference's data that notes each question asked of it."""

    _original: Any

    def __getitem__(self, name: str) -> Any:  # also reference.name (CustomDict.__getattr__)
        _recordings[-1].log.append(("v", name, _value_id(self._original, name)))
        return CustomDict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        _recordings[-1].log.append(("v", name, _value_id(self._original, name)))
        return dict.get(self, name, default)

    def __contains__(self, name: object) -> bool:
        answer = dict.__contains__(self, name)
        _recordings[-1].log.append(("in", name, answer))
        return answer

    def __iter__(self) -> Any:
        _spoil()
        return dict.__iter__(self)

    def __len__(self) -> int:
        _spoil()
        return dict.__len__(self)

    def keys(self) -> Any:
        _spoil()
        return dict.keys(self)

    def values(self) -> Any:
        _spoil()
        return dict.values(self)

    def items(self) -> Any:
        _spoil()
        return dict.items(self)

    def __eq__(self, other: object) -> bool:
        _spoil()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        _spoil()
        return dict.__ne__(self, other)

    __hash__ = None  # type: ignore[assignment]


def _tracked(reference: Any) -> Any:
    tracked = reference.__dict__.get("_tracked")
    if tracked is None:
        tracked = dict.__new__(_TrackedReference)
        dict.update(tracked, reference)
        object.__setattr__(tracked, "_original", reference)
        object.__setattr__(reference, "_tracked", tracked)
    return tracked


def _repressed_state(repressed: Any) -> Any:
    if repressed is None:
        return None
    return tuple((tag, tuple(names)) for tag, names in repressed.items())


def _trie_path(log: list[tuple[str, str, Any]], start: int, leaf: Any) -> Any:
    node = leaf
    for kind, name, answer in reversed(log[start:]):
        node = [(kind, name), {answer: node}]
    return node


def _macro_render(self: Any, item: Any, context: Any = None, sort_options: Any = None) -> Any:
    state = self._memo_state
    if state is None or type(item) is not FastCitationItem or context is None:
        return cm.Macro.render(self, item, context, sort_options)
    reference = item.reference
    original = reference.__dict__.get("_original", reference)
    layout = context.get_layout()
    repressed = layout.repressed
    on_entry = _repressed_state(repressed)
    key = (
        context,
        tuple(sorted(sort_options.items())) if sort_options else sort_options,
        self._style_root.formatter,
        on_entry,
    )
    memo = state["memo"]
    node = memo.get(key)
    ids = original.__dict__.get("_value_ids") or {}
    while type(node) is list:  # walk the trie, answering each question for this reference
        (kind, name), branches = node
        if kind == "in":
            node = branches.get(name in original)
        else:
            answer = ids.get(name)
            node = branches.get(_value_id(original, name) if answer is None else answer)
    state["lookups"] += 1
    if node is not None:
        state["hits"] += 1
        result, on_exit, path = node
        if on_exit != on_entry:
            repressed.clear()
            repressed.update({tag: list(names) for tag, names in on_exit})
        if _recordings:  # an enclosing macro asked all this too
            _recordings[-1].log.extend(path)
        return result
    if state["lookups"] >= _MEMO_MIN_LOOKUPS and state["hits"] < _MEMO_MIN_RATE * state["lookups"]:
        self._memo_state = None  # rarely answered from the memo: stop looking
    recording = _Recording()
    outermost = not _recordings
    if outermost:
        item.__dict__["reference"] = _tracked(original)
    _recordings.append(recording)
    try:
        result = cm.Macro.render(self, item, context, sort_options)
    except BaseException:
        recording.ok = False
        raise
    finally:
        _recordings.pop()
        if outermost:
            item.__dict__["reference"] = original
        else:
            _recordings[-1].log.extend(recording.log)
            if not recording.ok:
                _recordings[-1].ok = False
    if recording.ok:
        _memo_insert(self, memo, key, recording.log, result, layout.repressed)
    return result


def _memo_insert(
    macro: Any, memo: dict[Any, Any], key: Any, log: list[Any], result: Any, repressed: Any
) -> None:
    # A question asked again gets the same answer (the reference does not change), so
    # only the first asking of each is a step in the trie, and in what an enclosing
    # macro is told was asked.
    seen: set[tuple[str, Any]] = set()
    first_asked = []
    for kind, name, answer in log:
        if (kind, name) not in seen:
            seen.add((kind, name))
            first_asked.append((kind, name, answer))
    log = first_asked
    leaf = (result, _repressed_state(repressed), tuple(log))
    node = memo.get(key)
    if node is None:
        memo[key] = _trie_path(log, 0, leaf)
        return
    for step, (kind, name, answer) in enumerate(log):
        if type(node) is not list or node[0] != (kind, name):
            break  # not the question asked before after the same answers
        branches = node[1]
        if answer not in branches:
            branches[answer] = _trie_path(log, step + 1, leaf)
            return
        node = branches[answer]
    # The macro did not behave as a function of its answers (or the walk above missed
    # a path that exists): never trust this memo again.
    macro._memo_state = None


# ---------------------------------------------------------------- replacements


_FORMAT_KEYS = ("font-style", "font-variant", "font-weight", "text-decoration", "vertical-align")


def _get_formatter(self: Any) -> Any:
    # CitationStylesElement.get_formatter / Locale.get_formatter: the style root's.
    return self._style_root.formatter


def _format(self: Any, string: Any) -> Any:
    # Formatted.format: each of its five steps returns the text unchanged when the
    # element lacks its attribute, so an element with none of them only converts numbers.
    if self._plain_format:
        return str(string) if isinstance(string, (int, float)) else string
    return cm.Formatted.format(self, string)


def _wrap(self: Any, string: Any) -> Any:
    # Affixed.wrap without prefix or suffix: normalize_seam('', x) is x and
    # normalize_seam(x, '') is '', so the same two concatenations remain.
    if self._no_affix and string is not None:
        text = "" + string
        return text + ""
    return cm.Affixed.wrap(self, string)


def _get_macro(self: Any, name: str) -> Any:
    memo = self._root._macro_memo
    hit = memo.get(name)
    if hit is None:
        hit = memo[name] = cm.CitationStylesElement.get_macro(self, name)
    return hit


def _get_layout(self: Any) -> Any:
    hit = self._layout
    if hit is None:
        hit = self._layout = cm.CitationStylesElement.get_layout(self)
    return hit


_MISSING = object()


def _get_term(
    self: Any, name: str, form: Any = None, fallback_locale: bool = True, zero_padded: bool = False
) -> Any:
    memo = self._root._term_memo
    key = (name, form, fallback_locale, zero_padded)
    hit = memo.get(key, _MISSING)
    if hit is _MISSING:
        hit = memo[key] = cm.CitationStylesElement.get_term(
            self, name, form, fallback_locale=fallback_locale, zero_padded=zero_padded
        )
    return hit


def _get_locale_option(self: Any, name: str) -> Any:
    memo = self._root._locale_option_memo
    hit = memo.get(name, _MISSING)
    if hit is _MISSING:
        hit = memo[name] = cm.CitationStylesElement.get_locale_option(self, name)
    return hit


def _calls_variable(self: Any) -> bool:
    hit = self._calls_variable
    if hit is None:
        hit = self._calls_variable = self._stock_calls_variable()
    return bool(hit)


def _text_process(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    # Text.process, with the reference's language looked up instead of caught as a
    # VariableError (nearly every reference has none) and the branch chosen once.
    kind = self._text_kind
    if kind is None:
        return cm.Text.process(self, item, context, **kwargs)
    if context is None:
        context = self
    reference = item.reference
    language = reference.language[:2] if "language" in reference else self._default_language
    if kind == "variable":
        text = self._variable(item, context)
    elif kind == "macro":
        text = self.get_macro(self.get("macro")).render(item, context)
    elif kind == "term":
        text = self._term(item)
    else:
        text = cm.String(self.preformat(self.get("value")))
    return text, language


def _branch_test(branch: Any) -> Callable[[Any, Any], bool]:
    """If.render's test of one cs:if / cs:else-if, with its attributes read once.

    The common tests (only ``type``, or only ``variable``) are pure look-ups and
    short-circuit; any other combination builds the same list of results citeproc-py
    builds, in the same order, with its own ``_is_numeric`` and the like.
    """
    attrib = branch.attrib
    types = [t.lower() for t in attrib["type"].split()] if "type" in attrib else None
    variables = (
        [v.replace("-", "_") for v in attrib["variable"].split()] if "variable" in attrib else None
    )
    match = attrib.get("match")
    others = [k for k in ("is-numeric", "is-uncertain-date", "locator", "position") if k in attrib]

    if not others and variables is None and types is not None:
        if match == "any":
            return lambda item, context: item.reference.type in types
        if match == "none":
            return lambda item, context: item.reference.type not in types

        def all_types(item: Any, context: Any) -> bool:
            reference_type = item.reference.type
            return all(typ == reference_type for typ in types)

        return all_types
    if not others and types is None and variables is not None and "locator" not in variables:
        if match == "any":
            return lambda item, context: any(v in item.reference for v in variables)
        if match == "none":
            return lambda item, context: not any(v in item.reference for v in variables)
        return lambda item, context: all(v in item.reference for v in variables)

    def general(item: Any, context: Any) -> bool:
        results: list[Any] = []
        if types is not None:
            reference_type = item.reference.type
            results += [typ == reference_type for typ in types]
        if variables is not None:
            reference = item.reference
            results += [
                ("locator" in item) if var == "locator" else (var in reference) for var in variables
            ]
        if "is-numeric" in others:
            results += branch._is_numeric(item)
        if "is-uncertain-date" in others:
            results += branch._is_uncertain_date(item)
        if "locator" in others:
            results += branch._locator(item)
        if "position" in others:
            results += branch._position(item, context)
        if match == "any":
            return any(results)
        if match == "none":
            return not any(results)
        return all(results)

    return general


def _choose_render(
    self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any
) -> Any:
    # Choose.render + If.render + Else.render: a failed condition moves on to the next
    # branch without raising ConditionFailed; a ConditionFailed raised while rendering
    # the chosen branch still moves on, as it does in citeproc-py.
    for child, kind in self._branches:
        try:
            if kind == "if":
                if not child._test(item, context):
                    continue
                return child.render_children(item, context=context, delimiter=delimiter, **kwargs)
            if kind == "else":
                return child.render_children(item, context=context, delimiter=delimiter, **kwargs)
            return child.render(item, context=context, delimiter=delimiter, **kwargs)
        except cm.ConditionFailed:
            continue
    return None


def _replacements(cls: type) -> dict[str, Any]:
    """The replacements that apply to one citeproc-py element class (see _PINNED)."""
    out: dict[str, Any] = {}
    is_locale = issubclass(cls, cm.Locale)
    if _pinned("CitationStylesElement.get_formatter", "Locale.get_formatter"):
        out["get_formatter"] = _get_formatter
    if issubclass(cls, cm.Formatted) and _pinned(
        "Formatted.format",
        "Formatted.font_style",
        "Formatted.font_variant",
        "Formatted.font_weight",
        "Formatted.text_decoration",
        "Formatted.vertical_align",
    ):
        out["format"] = _format
    if issubclass(cls, cm.Affixed) and _pinned("Affixed.wrap"):
        out["wrap"] = _wrap
    if _pinned("CitationStylesElement.get_macro"):
        out["get_macro"] = _get_macro
    if _pinned("CitationStylesElement.get_layout"):
        out["get_layout"] = _get_layout
    if not is_locale and _pinned("CitationStylesElement.get_term", "Locale.get_term"):
        out["get_term"] = _get_term
    if _pinned("CitationStylesElement.get_locale_option", "Locale.get_option"):
        out["get_locale_option"] = _get_locale_option
    if hasattr(cls, "calls_variable") and _pinned(cls.calls_variable.__qualname__):
        out["calls_variable"] = _calls_variable
        out["_stock_calls_variable"] = cls.calls_variable
    if cls is cm.Text and _pinned("Text.process"):
        out["process"] = _text_process
    if cls is cm.Macro and _pinned("Macro.render") and _modules_pinned():
        out["render"] = _macro_render
    if cls is cm.Choose and _pinned(
        "Choose.render", "If.render", "If._type", "If._variable", "Else.render"
    ):
        out["render"] = _choose_render
    return out


_shadow_classes: dict[type, type] = {}


def _shadow_class(cls: type) -> type:
    """The shadow subclass of a citeproc-py element class (one per class and process)."""
    shadow_class = _shadow_classes.get(cls)
    if shadow_class is None:
        shadow_class = type(cls.__name__, (_Shadow, cls), _replacements(cls))
        _shadow_classes[cls] = shadow_class
    return shadow_class


# ---------------------------------------------------------------- building


def _build(style: Any) -> Any:
    """Replace ``style.root`` (and the locales it uses) by a shadow tree; return style."""
    lxml_root = style.root
    roots = [lxml_root]
    for locale in lxml_root.locales:
        tree_root = locale.getroottree().getroot()
        if not any(tree_root is r for r in roots):
            roots.append(tree_root)
    shadows: dict[Any, Any] = {}  # lxml element -> shadow (keeps the proxies alive)
    for root in roots:
        root_shadow = None
        for element in root.iter():
            if not isinstance(element.tag, str):  # comments, processing instructions
                continue
            shadow = etree._Element.__new__(_shadow_class(type(element)))
            attrib = dict(element.attrib)
            shadow.__dict__.update(
                attrib=attrib,
                get=attrib.get,
                tag=element.tag,
                text=element.text,
                tail=element.tail,
                sourceline=element.sourceline,
                _element=element,
                _local=element.tag.rpartition("}")[2],
                _shadows=shadows,
                _xpath_memo={},
                _layout=None,
                _calls_variable=None,
                _plain_format=(
                    not any(k in attrib for k in _FORMAT_KEYS) and type(element) is not cm.Date_Part
                ),
                _no_affix=(
                    "prefix" not in attrib
                    and "suffix" not in attrib
                    and type(element) is not cm.Date_Part
                ),
            )
            if root_shadow is None:
                root_shadow = shadow
                shadow.__dict__.update(_macro_memo={}, _term_memo={}, _locale_option_memo={})
            shadow.__dict__["_root"] = root_shadow
            shadows[element] = shadow
    style_root = shadows[lxml_root]
    default_language = lxml_root.get("default-locale", "en")[:2]
    # A style's localized cs:date with cs:date-part children makes citeproc-py change
    # the locale's date parts while rendering (Date_Part.process): no macro memo then.
    memo_allowed = not any(
        isinstance(shadow, cm.Date)
        and "form" in shadow.attrib
        and any(child.tag == shadow.tag + "-part" for child in element.iterchildren())
        and not any(isinstance(a, cm.Locale) for a in element.iterancestors())
        for element, shadow in shadows.items()
    )
    for element, shadow in shadows.items():
        children = tuple(shadows[c] for c in element.iterchildren() if c in shadows)
        first: dict[str, Any] = {}
        for child in children:
            first.setdefault(child._local, child)
        parent = element.getparent()
        shadow.__dict__.update(
            _children=children,
            _first=first,
            _parent=shadows.get(parent) if parent is not None else None,
            _style_root=style_root,
        )
        if isinstance(shadow, cm.Text):
            attrib = shadow.attrib
            kind = next((k for k in ("variable", "macro", "term", "value") if k in attrib), None)
            # The default language is the style's only for elements of the style tree.
            shadow.__dict__.update(
                _text_kind=kind if shadow._root is style_root else None,
                _default_language=default_language,
            )
        if isinstance(shadow, cm.Choose):
            branches = []
            for child in children:
                kind = "other"
                if type(child).render in (cm.If.render,):  # If and Else_If
                    kind = "if"
                elif type(child).render is cm.Else.render:
                    kind = "else"
                branches.append((child, kind))
            shadow.__dict__["_branches"] = tuple(branches)
        if isinstance(shadow, cm.If):
            shadow.__dict__["_test"] = _branch_test(shadow)
        if isinstance(shadow, cm.Macro):
            shadow.__dict__["_memo_state"] = (
                {"memo": {}, "lookups": 0, "hits": 0} if memo_allowed else None
            )
    # What citeproc-py set on the lxml proxies (CitationStylesStyle and set_locale_list).
    style_root.__dict__["locales"] = [shadows[locale] for locale in lxml_root.locales]
    for locale in style_root.locales:
        locale.__dict__["style"] = style_root
    if hasattr(lxml_root, "formatter"):
        style_root.__dict__["formatter"] = lxml_root.formatter
    style.root = style_root
    return style


class FastCitationItem(CitationItem):  # type: ignore[misc]
    """A CitationItem that looks its reference up once (citeproc-py does it per use:
    ``item.reference`` is ``item.citation.bibliography.source[item.key]``, asked for
    hundreds of times while one APA reference is rendered), and that tells the macro
    memo when a macro reads the item itself (its locator, number, key...)."""

    reference = functools.cached_property(CitationItem.reference.fget)

    def __getitem__(self, name: str) -> Any:  # also item.name (CustomDict.__getattr__)
        _spoil()
        return CustomDict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        _spoil()
        return dict.get(self, name, default)

    def __contains__(self, name: object) -> bool:
        _spoil()
        return dict.__contains__(self, name)

    @property
    def number(self) -> int:
        _spoil()
        return CitationItem.number.fget(self)  # type: ignore[no-any-return]


def fast_style(path: str) -> Any:
    """The CSL style at ``path``, loaded by citeproc-py and given a shadow tree."""
    return _build(CitationStylesStyle(path, validate=False))


__all__ = ["FastCitationItem", "fast_style", "forget_reference"]
