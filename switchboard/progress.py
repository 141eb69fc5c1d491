"""A progress bar for long commands: tqdm on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable


class Progress:
    """Context manager; its value sets the position (a number of `unit`s done so far)."""

    def __init__(self, label: str, total: float, unit: str) -> None:
        from tqdm import tqdm

        self.total = total
        self.done = 0.0
        self.bar = tqdm(
            total=total or None,
            unit=unit,
            desc=label,
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            leave=False,
        )

    def __enter__(self) -> Callable[[float], None]:
        def update(position: float) -> None:
            position = min(position, self.total) if self.total else position
            if position > self.done:
                self.bar.update(position - self.done)
                self.done = position

        return update

    def __exit__(self, *exc: object) -> None:
        self.bar.close()
