"""`replace()` for the core's frozen records, as `dataclasses.replace` but without its per-call
introspection: the core copies a record on every change, and this is where its time went.

A copying function is generated once per class (fields read and set in one straight line);
an unknown field name is a TypeError, as with `dataclasses.replace`. Only for dataclasses
without `__post_init__` or init-less fields (none in the core has them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_COPIERS: dict[type, Callable[[Any, dict[str, object]], Any]] = {}


def replace(obj: T, /, **changes: object) -> T:
    """A copy of the frozen dataclass `obj` with `changes` applied."""
    cls = type(obj)
    copier = _COPIERS.get(cls)
    if copier is None:
        copier = _COPIERS[cls] = _copier(cls)
    result: T = copier(obj, changes)
    return result


def _copier(cls: type) -> Callable[[Any, dict[str, object]], Any]:
    fields = [f.name for f in dataclasses.fields(cls)]
    if any(not f.init for f in dataclasses.fields(cls)) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: evolve.replace needs plain init fields")
    lines = [
        "def copy(obj, changes):",
        "    if changes.keys() - _names:",
        "        raise TypeError(f'{_cls.__name__} has no field(s) {sorted(changes.keys() - _names)}')",
        "    new = _new(_cls)",
        "    get = changes.get",
        *(f"    _set(new, {name!r}, get({name!r}, obj.{name}))" for name in fields),
        "    return new",
    ]
    scope: dict[str, Any] = {
        "_new": object.__new__,
        "_cls": cls,
        "_set": object.__setattr__,
        "_names": frozenset(fields),
    }
    exec("\n".join(lines), scope)
    copier: Callable[[Any, dict[str, object]], Any] = scope["copy"]
    return copier
