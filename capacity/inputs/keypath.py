"""Key paths: how a place in a scenario is written, in error messages and in changes.

A key path is the scenario file's keys joined by dots, with list items in brackets:
``csm.customer_time_share``, ``segments[1].min_arr``, ``segments[0].touchpoints[2].per_year``,
``fiscal_year.starting_headcount.Enterprise``. A bracket may hold the item's ``name`` instead
of its index: ``segments[Mid-Market].touchpoints[Business review].per_year``.

:meth:`capacity.inputs.scenario.Scenario.with_changes` is built on :func:`resolve` (which place a path
names, checked against the scenario's models) and :func:`assign` (set it in the scenario's data).
"""

from __future__ import annotations

import difflib
import re
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from capacity.exceptions import ScenarioError

__all__ = ["Step", "Resolved", "parse", "resolve", "assign", "value_at", "canonical"]

# A key is anything but the separators; a bracket holds anything but a closing bracket.
_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[([^\]]*)\]")
#: What one item of a named list is called in a message.
_ITEM = {"segments": "segment", "touchpoints": "touchpoint", "internal_activities": "internal activity"}


@dataclass(frozen=True)
class Step:
    """One step of a path: a key of a mapping or model, or an item of a list (``index``)."""

    key: str | None = None
    index: int | None = None

    def __str__(self) -> str:
        return f"[{self.index}]" if self.key is None else self.key


@dataclass(frozen=True)
class Resolved:
    """A path checked against the scenario: its steps with every list item as an index."""

    given: str
    steps: tuple[Step, ...]

    @property
    def canonical(self) -> str:
        """The path with indexes, as pydantic's errors write it: ``segments[2].touchpoints[0].per_year``."""
        out = ""
        for step in self.steps:
            out += f"[{step.index}]" if step.key is None else ("." if out else "") + step.key
        return out


def parse(path: str) -> list[tuple[str, str]]:
    """Split a path into ``("key", text)`` and ``("item", text)`` tokens.

    Raises
    ------
    ScenarioError
        When the path is empty or malformed (an unclosed bracket, two dots).
    """
    if not isinstance(path, str) or not path.strip():
        raise ScenarioError("a key path must be text such as csm.customer_time_share", where=repr(path))
    tokens, position = [], 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None or (match.group(1) is not None and position == 0 and path.startswith(".")):
            raise ScenarioError("malformed key path; write keys joined by dots and list items in brackets, "
                                "e.g. segments[SMB].touchpoints[0].minutes", where=path)
        if match.group(1) is not None:
            key = match.group(1).strip()
            if not key:
                raise ScenarioError("malformed key path: an empty key", where=path)
            tokens.append(("key", key))
        else:
            tokens.append(("item", match.group(2).strip()))
        position = match.end()
    if tokens[0][0] != "key":
        raise ScenarioError("a key path starts with a key, e.g. segments[0].min_arr", where=path)
    return tokens


def resolve(scenario: BaseModel, path: str) -> Resolved:
    """Check ``path`` against ``scenario``'s models and turn item names into indexes.

    Parameters
    ----------
    scenario : Scenario
    path : str
        See the module docstring.

    Raises
    ------
    ScenarioError
        Naming the path: an unknown key (with a did-you-mean), an unknown or ambiguous item
        name, an index out of range, or a step into a value that has no keys.
    """
    source = getattr(scenario, "source", None)

    def fail(message: str) -> ScenarioError:
        return ScenarioError(message, file=source, where=path)

    steps: list[Step] = []
    node: Any = scenario  # the current value, None where the scenario leaves it out
    kind: Any = type(scenario)  # the current value's declared type
    parent_key = ""
    for token, text in parse(path):
        model = _model_of(kind)
        if token == "key":
            if model is not None:
                fields = model.model_fields
                if text not in fields:
                    hint = difflib.get_close_matches(text, list(fields), n=1, cutoff=0.6)
                    suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; expected one of: {', '.join(fields)}"
                    raise fail(f"unknown key {text!r}{suggestion}")
                kind = fields[text].annotation
                node = getattr(node, text, None) if node is not None else None
            elif _is_mapping(kind):
                kind = typing.get_args(_strip_optional(kind))[1]
                node = node.get(text) if isinstance(node, dict) else None
            else:
                raise fail(f"{parent_key or 'this value'} has no key {text!r}")
            steps.append(Step(key=text))
            parent_key = text
            continue
        if _is_mapping(kind):  # fiscal_year.starting_headcount[Long tail]
            kind = typing.get_args(_strip_optional(kind))[1]
            node = node.get(text) if isinstance(node, dict) else None
            steps.append(Step(key=text))
            parent_key = text
            continue
        item = _item_type(kind)
        if item is None:
            raise fail(f"{parent_key or 'this value'} is not a list; brackets pick an item of a list")
        items = tuple(node) if node is not None else ()
        index = _index_of(items, text, parent_key, fail)
        steps.append(Step(index=index))
        kind, node = item, items[index]
        parent_key = f"{parent_key}[{text}]"
    return Resolved(path, tuple(steps))


def _index_of(items: tuple, text: str, parent_key: str, fail) -> int:
    """The index that ``text`` (a number or an item's name) names in ``items``."""
    noun = _ITEM.get(parent_key, "item")
    names = [getattr(item, "name", None) for item in items]
    by_name = [i for i, name in enumerate(names) if name == text]
    if not by_name:
        by_name = [i for i, name in enumerate(names) if isinstance(name, str) and _folded(name) == _folded(text)]
    number = int(text) if re.fullmatch(r"\d+", text) else None
    if number is not None:
        if by_name and by_name != [number]:
            raise fail(f"{text!r} is both {noun} number {number} and the name of {noun} number {by_name[0]}; "
                       f"write the {noun}'s name in full or use another way to refer to it")
        if number >= len(items):
            listed = f"{len(items)} {noun}{'s' if len(items) != 1 else ''}"
            raise fail(f"there {'is' if len(items) == 1 else 'are'} {listed}"
                       + (f" (0 to {len(items) - 1})" if items else ""))
        return number
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise fail(f"{len(by_name)} {noun}s are called {text!r}; use the index")
    known = [n for n in names if isinstance(n, str)]
    hint = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else (f"; {noun}s are: {', '.join(known)}" if known else "")
    raise fail(f"unknown {noun} {text!r}{suggestion}")


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def assign(data: dict, resolved: Resolved, value: Any) -> None:
    """Set the place ``resolved`` names in ``data`` (the scenario as nested dicts and lists) to ``value``.

    A block the scenario leaves out (``fiscal_year``) is created empty, so that setting one of its
    keys reads as writing that key into the file; validation then says what else it needs.
    """
    node: Any = data
    for step, following in zip(resolved.steps, resolved.steps[1:]):
        if step.key is None:
            node = node[step.index]
            continue
        child = node.get(step.key)
        if child is None:
            child = [] if following.key is None else {}
            node[step.key] = child
        elif isinstance(child, tuple):
            child = list(child)
            node[step.key] = child
        node = child
    last = resolved.steps[-1]
    if last.key is None:
        node[last.index] = value
    else:
        node[last.key] = value


def value_at(scenario: BaseModel, path: str) -> Any:
    """The value the scenario holds at ``path`` (None where it leaves it out)."""
    node: Any = scenario
    for step in resolve(scenario, path).steps:
        if node is None:
            return None
        if step.key is None:
            node = node[step.index]
        elif isinstance(node, dict):
            node = node.get(step.key)
        else:
            node = getattr(node, step.key)
    return node


def canonical(scenario: BaseModel, path: str) -> str:
    """``path`` with indexes in its brackets (``segments[SMB].coverage`` -> ``segments[2].coverage``)."""
    return resolve(scenario, path).canonical


# -- the models' types ----------------------------------------------------------------


def _strip_optional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
        return args[0]
    return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _strip_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_mapping(annotation: Any) -> bool:
    return typing.get_origin(_strip_optional(annotation)) is dict


def _item_type(annotation: Any) -> Any:
    """The item type of a list field (``tuple[Segment, ...]``), or None."""
    annotation = _strip_optional(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (tuple, list):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return args[0] if args else Any
    return None
