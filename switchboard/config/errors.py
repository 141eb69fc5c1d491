"""Configuration problems, each tied to a file line and a dotted path."""

from __future__ import annotations

from dataclasses import dataclass

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a configuration file."""

    loc: Loc
    message: str
    line: int = 0

    def render(self, filename: str) -> str:
        """`FILE:LINE: dotted.path: message`, the one-line form ops read."""
        path = ".".join(str(part) for part in self.loc) or "(top)"
        return f"{filename}:{self.line}: {path}: {self.message}"


class ConfigError(Exception):
    """Raised with every problem found in a configuration file."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One rendered line per problem, in file order."""
        ordered = sorted(self.problems, key=lambda p: (p.line, [str(x) for x in p.loc]))
        return [p.render(self.filename) for p in ordered]
