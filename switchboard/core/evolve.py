"""`replace()` for the core's frozen records, as `dataclasses.replace` but without its per-call
introspection: the core copies a record on every change, and this is where its time went.

A copying function is generated once per class and set of changed fields (each field read
from the original or taken from the changes, set in one straight line, no lookups by name);
an unknown field name is a TypeError, as with `dataclasses.replace`. Only for dataclasses
without `__post_init__` or init-less fields (none in the core has them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import MemberDescriptorType
from typing import Any, TypeVar

T = TypeVar("T")
Copier = Callable[[Any, dict[str, object]], Any]
_COPIERS: dict[tuple[type, tuple[str, ...]], Copier] = {}


def replace(obj: T, /, **changes: object) -> T:
    """A copy of the frozen dataclass `obj` with `changes` applied."""
    key = (type(obj), tuple(changes))
    copier = _COPIERS.get(key)
    if copier is None:
        copier = _COPIERS[key] = _copier(*key)
    result: T = copier(obj, changes)
    return result


def _setter(cls: type, name: str) -> Callable[[Any, object], None]:
    """Set field `name` on a new instance of `cls`, bypassing the frozen `__setattr__`."""
    slot = cls.__dict__.get(name)
    if isinstance(slot, MemberDescriptorType):
        setter: Callable[[Any, object], None] = slot.__set__
        return setter
    return lambda obj, value: object.__setattr__(obj, name, value)


def _copier(cls: type, changed: tuple[str, ...]) -> Copier:
    fields = dataclasses.fields(cls)
    if any(not f.init for f in fields) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: evolve.replace needs plain init fields")
    names = [f.name for f in fields]
    unknown = sorted(set(changed) - set(names))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {unknown}")
    # A slot's own descriptor sets it directly; object.__setattr__ would look it up by name.
    setters = {name: _setter(cls, name) for name in names}
    lines = [
        "def copy(obj, changes, _new=_new, _cls=_cls):",
        "    new = _new(_cls)",
        *(
            f"    _set_{name}(new, changes[{name!r}])"
            if name in changed
            else f"    _set_{name}(new, obj.{name})"
            for name in names
        ),
        "    return new",
    ]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    scope.update((f"_set_{name}", setter) for name, setter in setters.items())
    exec("\n".join(lines), scope)
    copier: Copier = scope["copy"]
    return copier
