"""Bedrock ``RetrievalFilter`` metadata filters: parse the JSON shape, then match metadata.

The wire shape is Bedrock's: an object with exactly one operator. Comparison operators take
``{"key": ..., "value": ...}``; ``andAll``/``orAll`` take a list of at least two filters::

    {"andAll": [{"equals": {"key": "animal", "value": "cat"}},
                {"greaterThanOrEquals": {"key": "year", "value": 1989}}]}

Matching semantics (Bedrock's API reference wording, made exact where it is silent):

* A missing key never matches, **except** ``notEquals``: Bedrock documents that it also returns
  documents in which "the key is not present". ``notIn`` requires the key ("if they contain a
  metadata attribute ... whose value isn't in the list"), so a missing key does not match it.
* ``notEquals`` is exactly ``not equals``; ``notIn`` is "key present and not ``in``".
* Numbers compare numerically (``1989 == 1989.0``); booleans are not numbers; strings compare
  exactly and case-sensitively. Values of different types are never equal.
* ``equals``/``greaterThan``/... compare scalars; a list attribute never equals a scalar.
* ``in`` matches a scalar attribute equal to a member of the value list, or a list attribute with
  any member in the value list; so ``notIn`` excludes a list attribute that shares any member.
* ``startsWith`` applies to string attributes only; ``stringContains`` to a string, or to any
  member of a list; ``listContains`` to list attributes (``STRING_LIST``) only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, cast, get_args

from ingest.types import MetadataAttribute, MetadataValue
from retrieval.errors import InvalidFilter

ComparisonOperator = Literal[
    "equals",
    "notEquals",
    "greaterThan",
    "greaterThanOrEquals",
    "lessThan",
    "lessThanOrEquals",
    "in",
    "notIn",
    "startsWith",
    "stringContains",
    "listContains",
]
Scalar: TypeAlias = str | float | bool
FilterValue: TypeAlias = Scalar | tuple[str | float, ...]

# ragkb's own bound on andAll/orAll nesting; Bedrock documents none, and recursion needs one.
MAX_DEPTH = 5
MAX_KEY_LENGTH = 100  # FilterKey: 1-100 characters in Bedrock's API model.


@dataclass(frozen=True)
class Comparison:
    """One comparison operator applied to the attribute ``key``.

    Example::

        parse_filter({"in": {"key": "animal", "value": ["cat", "dog"]}}).matches({"animal": "cat"})  # True
    """

    operator: ComparisonOperator
    key: str
    value: FilterValue

    def matches(self, metadata: Mapping[str, MetadataValue]) -> bool:
        """Whether a chunk with this plain metadata passes (semantics in the module docstring)."""
        if self.key not in metadata:
            return self.operator == "notEquals"
        return _compare(self.operator, metadata[self.key], self.value)

    def to_dict(self) -> dict[str, Any]:
        """The Bedrock JSON shape; ``parse_filter(f.to_dict()) == f``."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {self.operator: {"key": self.key, "value": value}}


@dataclass(frozen=True)
class AndAll:
    """Matches when every member matches."""

    filters: tuple[Filter, ...]

    def matches(self, metadata: Mapping[str, MetadataValue]) -> bool:
        return all(member.matches(metadata) for member in self.filters)

    def to_dict(self) -> dict[str, Any]:
        return {"andAll": [member.to_dict() for member in self.filters]}


@dataclass(frozen=True)
class OrAll:
    """Matches when at least one member matches."""

    filters: tuple[Filter, ...]

    def matches(self, metadata: Mapping[str, MetadataValue]) -> bool:
        return any(member.matches(metadata) for member in self.filters)

    def to_dict(self) -> dict[str, Any]:
        return {"orAll": [member.to_dict() for member in self.filters]}


Filter: TypeAlias = Comparison | AndAll | OrAll
_COMPARISONS: frozenset[str] = frozenset(get_args(ComparisonOperator))
_OPERATORS = sorted([*_COMPARISONS, "andAll", "orAll"])


def parse_filter(obj: Any, *, max_depth: int = MAX_DEPTH) -> Filter:
    """Validate a Bedrock ``RetrievalFilter`` (decoded JSON) and return it as frozen dataclasses.

    Raises :class:`InvalidFilter` naming where and what: not an object, no operator, an unknown
    operator, two operators in one object, a missing or extra ``key``/``value`` field, a value of
    the wrong type for the operator, ``andAll``/``orAll`` with fewer than 2 members, or more than
    ``max_depth`` levels of ``andAll``/``orAll``. Members set to ``null`` count as absent, as SDKs
    that serialise unset union members send them.

    Example::

        f = parse_filter({"andAll": [{"equals": {"key": "lang", "value": "en"}},
                                     {"greaterThan": {"key": "year", "value": 2020}}]})
        f.matches({"lang": "en", "year": 2024.0})  # True
    """
    return _parse(obj, path="filter", depth=0, max_depth=max_depth)


def plain_metadata(attributes: Mapping[str, MetadataAttribute]) -> dict[str, MetadataValue]:
    """The ``{key: value}`` view of sidecar attributes that :meth:`Comparison.matches` reads."""
    return {key: attribute.value for key, attribute in attributes.items()}


def _parse(obj: Any, *, path: str, depth: int, max_depth: int) -> Filter:
    if not isinstance(obj, Mapping):
        raise InvalidFilter(f"{path}: a filter must be a JSON object, got {_json_type(obj)}")
    present = [name for name, member in obj.items() if member is not None]
    unknown = [name for name in present if name not in _OPERATORS]
    if unknown:
        raise InvalidFilter(f"{path}: unknown filter operator {unknown[0]!r} (expected one of {', '.join(_OPERATORS)})")
    if not present:
        raise InvalidFilter(f"{path}: empty filter; give exactly one operator such as 'equals'")
    if len(present) > 1:
        names = " and ".join(repr(name) for name in present)
        raise InvalidFilter(f"{path}: one operator per filter object, got {names}; combine them with andAll or orAll")
    operator = present[0]
    member = obj[operator]
    where = f"{path}.{operator}"
    if operator in ("andAll", "orAll"):
        if depth + 1 > max_depth:
            raise InvalidFilter(f"{where}: filters nested deeper than {max_depth} levels of andAll/orAll")
        if not isinstance(member, Sequence) or isinstance(member, str):
            raise InvalidFilter(f"{where}: expected a list of filters, got {_json_type(member)}")
        if len(member) < 2:
            raise InvalidFilter(f"{where}: needs at least 2 filters, got {len(member)}")
        members = tuple(
            _parse(item, path=f"{where}[{i}]", depth=depth + 1, max_depth=max_depth) for i, item in enumerate(member)
        )
        return AndAll(members) if operator == "andAll" else OrAll(members)
    return _parse_comparison(operator, member, where=where)


def _parse_comparison(operator: str, member: Any, *, where: str) -> Comparison:
    if not isinstance(member, Mapping):
        raise InvalidFilter(f"{where}: expected an object with 'key' and 'value', got {_json_type(member)}")
    extra = sorted(set(member) - {"key", "value"})
    if extra:
        raise InvalidFilter(f"{where}: unexpected field {extra[0]!r}; only 'key' and 'value' are allowed")
    if "key" not in member:
        raise InvalidFilter(f"{where}: 'key' is missing")
    key = member["key"]
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidFilter(f"{where}: 'key' must be a string of 1-{MAX_KEY_LENGTH} characters")
    if "value" not in member:
        raise InvalidFilter(f"{where}: 'value' is missing")
    value = _check_value(operator, member["value"], where=f"{where} on {key!r}")
    return Comparison(operator=cast(ComparisonOperator, operator), key=key, value=value)


def _check_value(operator: str, value: Any, *, where: str) -> FilterValue:
    match operator:
        case "equals" | "notEquals":
            if isinstance(value, str | bool) or _is_number(value):
                return _finite(value, where=where)
            expected = "a string, number or boolean"
        case "greaterThan" | "greaterThanOrEquals" | "lessThan" | "lessThanOrEquals":
            if _is_number(value):
                return _finite(value, where=where)
            expected = "a number"
        case "in" | "notIn":
            if isinstance(value, list) and value and all(isinstance(v, str) or _is_number(v) for v in value):
                return tuple(_finite(v, where=where) for v in value)
            expected = "a non-empty list of strings or numbers"
        case _:  # startsWith, stringContains, listContains
            if isinstance(value, str):
                return value
            expected = "a string"
    raise InvalidFilter(f"{where}: value must be {expected}, got {_json_type(value)}")


def _finite(value: Any, *, where: str) -> Any:
    if _is_number(value) and not math.isfinite(value):
        raise InvalidFilter(f"{where}: value must be a finite number")
    return value


def _compare(operator: str, attribute: MetadataValue, value: FilterValue) -> bool:
    match operator:
        case "equals":
            return _equal(attribute, value)
        case "notEquals":
            return not _equal(attribute, value)
        case "greaterThan" | "greaterThanOrEquals" | "lessThan" | "lessThanOrEquals":
            if not (_is_number(attribute) and _is_number(value)):
                return False
            a, v = float(attribute), float(value)  # type: ignore[arg-type]
            return {
                "greaterThan": a > v,
                "greaterThanOrEquals": a >= v,
                "lessThan": a < v,
                "lessThanOrEquals": a <= v,
            }[operator]
        case "in":
            return _in(attribute, value)
        case "notIn":
            return not _in(attribute, value)
        case "startsWith":
            return isinstance(attribute, str) and attribute.startswith(str(value))
        case "stringContains":
            members = attribute if isinstance(attribute, list) else [attribute]
            return any(isinstance(m, str) and str(value) in m for m in members)
        case "listContains":
            return isinstance(attribute, list) and any(_equal(m, value) for m in attribute)
    raise AssertionError(f"unhandled operator {operator!r}")  # parse_filter admits no other


def _in(attribute: MetadataValue, values: FilterValue) -> bool:
    members = attribute if isinstance(attribute, list) else [attribute]
    candidates = values if isinstance(values, tuple) else (values,)
    return any(_equal(m, v) for m in members for v in candidates)


def _equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    if isinstance(a, bool) and isinstance(b, bool):
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__
