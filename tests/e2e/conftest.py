"""Fixtures of the e2e suite: one real Asterisk per session, the engine and sipp phones per test.

The whole folder is marked `e2e` and skipped, with the reason in the `-ra` summary, when no
Asterisk (SWITCHBOARD_ASTERISK, else `asterisk` on PATH) or no sipp is found.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from switchboard.engine.app import Engine
from tests.e2e.harness import Asterisk, asterisk_and_sipp, until
from tests.e2e.phones import Phones
from tests.e2e.world import engine_config, write_recordings, write_world


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asterisk]:
    """A running Asterisk configured by `switchboard asterisk-config` from the e2e YAML."""
    binary, why = asterisk_and_sipp()
    if binary is None:
        pytest.skip(why)
    pbx = Asterisk(binary, tmp_path_factory.mktemp("asterisk"))
    world = tmp_path_factory.mktemp("world")
    pbx.render(write_world(pbx, world), write_recordings(world / "recordings"))
    try:
        pbx.start()
        yield pbx
    finally:
        pbx.stop()


@pytest.fixture
def phones(pbx: Asterisk, tmp_path: Path) -> Iterator[Phones]:
    """This test's sipp processes; all killed (and phones unregistered) even on failure."""
    phones = Phones(pbx, tmp_path / "sipp")
    try:
        yield phones
    finally:
        phones.close()


@pytest.fixture
async def engine(pbx: Asterisk, tmp_path: Path) -> AsyncIterator[Engine]:
    """The engine in-process on this test's loop, connected to the session's Asterisk."""
    config = engine_config(pbx, tmp_path)
    engine = Engine(config)
    await engine.start()
    try:
        await engine.ami.wait_ready(10)
        await until(lambda: engine.bridge.snapshots > 0, 10, "the first AMI snapshot")
        yield engine
    finally:
        await engine.stop(5)
