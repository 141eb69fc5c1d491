"""One AMI message: ordered `Key: Value` fields, duplicates kept, first-value lookup."""

from __future__ import annotations

from collections.abc import Iterator


class AmiMessage:
    """An immutable AMI message (response, event or action) as received on the wire."""

    __slots__ = ("_first", "fields")

    def __init__(self, fields: tuple[tuple[str, str], ...]) -> None:
        self.fields = fields
        # dict(reversed(...)) keeps the FIRST value of a duplicated key (e.g. ChanVariable).
        self._first: dict[str, str] = dict(reversed(fields))

    @classmethod
    def of(cls, *pairs: tuple[str, str], **kw: str) -> AmiMessage:
        """Build a message from pairs then keywords (for tests and fakes)."""
        return cls((*pairs, *kw.items()))

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of `key` (exact, case-sensitive as Asterisk sends it), or default."""
        return self._first.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self._first[key]

    def __contains__(self, key: object) -> bool:
        return key in self._first

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AmiMessage) and other.fields == self.fields

    def __hash__(self) -> int:
        return hash(self.fields)

    def get_all(self, key: str) -> list[str]:
        """Every value of `key`, in wire order."""
        return [v for k, v in self.fields if k == key]

    @property
    def event(self) -> str | None:
        """The `Event` name, or None for a response or an action."""
        return self._first.get("Event")

    @property
    def response(self) -> str | None:
        """The `Response` status (`Success`, `Error`, `Goodbye`), or None for an event."""
        return self._first.get("Response")

    @property
    def action(self) -> str | None:
        """The `Action` name (messages a client sends), or None."""
        return self._first.get("Action")

    @property
    def action_id(self) -> str | None:
        """The `ActionID`, or None."""
        return self._first.get("ActionID")

    @property
    def is_broadcast(self) -> bool:
        """True for a broadcast event: those carry `Privilege`, list items never do (finding 2)."""
        return "Privilege" in self._first

    def __repr__(self) -> str:
        head = self.fields[0] if self.fields else ("", "")
        return f"<AmiMessage {head[0]}={head[1]!r} fields={len(self.fields)}>"
