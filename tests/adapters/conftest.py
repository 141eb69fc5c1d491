"""The FastAGI server's tests run on asyncio's own loop and on uvloop, which `switchboard run`
uses; the other adapters' tests on asyncio's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import pytest
import uvloop

BOTH_LOOPS = ("test_agi_hostile", "test_agi_protocol", "test_agi_replay")


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Both loops for the modules in BOTH_LOOPS."""
    module = getattr(item, "module", None)
    if module is not None and module.__name__.rsplit(".", 1)[-1] in BOTH_LOOPS:
        return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
    return {"asyncio": asyncio.new_event_loop}
