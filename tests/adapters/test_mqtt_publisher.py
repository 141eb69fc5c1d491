"""The MQTT publisher against a real Mosquitto, fed by real core transitions (no engine)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from switchboard.config.loader import parse_config
from switchboard.config.settings import MqttSettings, MqttTls
from switchboard.mqtt import MqttPublisher
from switchboard.views import Board, catalog_of
from tests.mosquitto import Mosquitto
from tests.mqtt_listener import Listener
from tests.unit.dispatch_fixture import WORLD, Driver, topology

PREFIX = "sb"
TENANT = "sb/tenant/alpha/state"


async def eventually(predicate: Callable[[], bool], within_s: float = 10.0) -> None:
    """Wait for a condition on the publisher's own state, with a deadline."""
    async with asyncio.timeout(within_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


class Rig:
    """A core driven by hand, its board, and a publisher observing both."""

    def __init__(self, port: int, **settings: object) -> None:
        self.d = Driver()
        config = parse_config(WORLD.format(selection="longest_idle", sticky=0), "w.yaml", {})
        self.board = Board(lambda: self.d.state, catalog_of(config, topology()), lambda: self.d.now)
        options = {"reconnect_max_s": 0.2, "state_interval_ms": 0, "timeout_s": 1.0, **settings}
        self.settings = MqttSettings(
            enabled=True, port=port, topic_prefix=PREFIX, client_id="test-engine", **options
        )
        self.pub = MqttPublisher(self.settings, self.board)
        self.seen = 0

    def feed(self) -> None:
        """Hand the effects produced since the last feed to the observers, as the engine does."""
        batch = self.d.effects[self.seen :]
        self.seen = len(self.d.effects)
        self.board.observe(batch)
        self.pub.observe(batch)


@asynccontextmanager
async def running(rig: Rig) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(rig.pub.run())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_retained_state_is_republished_after_a_broker_restart(tmp_path: Path) -> None:
    with Mosquitto(tmp_path) as broker:
        rig = Rig(broker.port)
        async with running(rig):
            async with Listener(broker.port, f"{PREFIX}/#") as sub:
                rig.d.login("a1")
                uid = rig.d.call()
                rig.feed()
                await sub.until(lambda: len(sub.events("offered")) == 1)
                await sub.until(lambda: b'"waiting":1' in sub.latest.get(TENANT, b""))
                await sub.until(lambda: b'"reserved"' in sub.latest.get("sb/agent/a1/state", b""))
            broker.stop()
            await eventually(lambda: not rig.pub.stats.connected)
            published = rig.pub.stats.events_published
            rig.d.deliver(uid, "ANSWER")  # the call is answered while the broker is down
            rig.feed()
            broker.start()
            await eventually(lambda: rig.pub.stats.connects == 2)
            async with Listener(broker.port, f"{PREFIX}/#") as fresh:
                await fresh.until(lambda: "sb/tenant/beta/state" in fresh.latest)
                await fresh.until(lambda: fresh.json("sb/tenant/alpha/state")["connected"] == 1)
                assert fresh.latest["sb/engine/status"] == b"online"
                agent = fresh.json("sb/agent/a1/state")
                assert (agent["status"], agent["call_id"], agent["calls_today"]) == (
                    "on_call",
                    uid,
                    1,
                )
                assert fresh.json("sb/queue/alpha-main/state")["waiting"] == 0
                today = fresh.json("sb/tenant/alpha/state")["today"]
                assert (today["offered"], today["answered"]) == (1, 1)
            # the answer, buffered while the broker was down, went out after the reconnect
            await eventually(lambda: rig.pub.stats.events_published == published + 1)
            assert rig.pub.stats.buffered == 0
        assert rig.pub.stats.disconnects == 1
        async with Listener(broker.port, f"{PREFIX}/engine/status") as after:
            await after.until(lambda: after.latest.get("sb/engine/status") == b"offline")


async def test_a_full_buffer_drops_the_oldest_events_and_counts_them(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path)  # not started yet: the broker is down
    rig = Rig(broker.port, buffer_events=5)
    async with running(rig):
        await eventually(lambda: rig.pub.stats.connect_failures >= 1)
        assert rig.pub.health().state == "down"
        for i in range(10):
            rig.d.call(caller=f"+4670100000{i}")  # nobody logged in: arrived, queued
        rig.feed()
        assert (rig.pub.stats.events_dropped, rig.pub.stats.buffered) == (15, 5)
        with broker:
            await eventually(lambda: rig.pub.stats.events_published == 5)
            assert rig.pub.health().state == "connected"
            assert rig.pub.health().dropped == 15
            async with Listener(broker.port, f"{PREFIX}/tenant/alpha/state") as sub:
                await sub.until(lambda: b'"waiting":10' in sub.latest.get(TENANT, b""))
                assert sub.json(TENANT)["today"]["offered"] == 10


async def test_a_hung_broker_is_left_and_found_again(tmp_path: Path) -> None:
    with Mosquitto(tmp_path) as broker:
        rig = Rig(broker.port, timeout_s=0.3, keepalive_s=5)
        async with running(rig):
            await eventually(lambda: rig.pub.stats.connected)
            broker.freeze()
            rig.d.login("a1")
            uid = rig.d.call()
            rig.feed()  # returns at once: observing never waits for the broker
            await eventually(lambda: not rig.pub.stats.connected)
            await eventually(lambda: rig.pub.stats.connect_failures >= 1)
            rig.d.deliver(uid, "ANSWER")
            rig.feed()
            broker.thaw()
            async with Listener(broker.port, f"{PREFIX}/agent/a1/state") as sub:
                await sub.until(lambda: b'"on_call"' in sub.latest.get("sb/agent/a1/state", b""))
            await eventually(lambda: rig.pub.stats.buffered == 0)
            assert rig.pub.stats.events_dropped == 0


async def test_stopping_with_a_hung_broker_takes_bounded_time(tmp_path: Path) -> None:
    with Mosquitto(tmp_path) as broker:
        rig = Rig(broker.port, timeout_s=0.3)
        task = asyncio.create_task(rig.pub.run())
        await eventually(lambda: rig.pub.stats.connected)
        broker.freeze()
        rig.d.login("a1")
        rig.d.call()
        rig.feed()
        task.cancel()
        async with asyncio.timeout(4):  # goodbye (2 s) and the disconnect (1 s) are bounded
            await asyncio.gather(task, return_exceptions=True)
        assert not rig.pub.stats.connected
        broker.thaw()


async def test_publishes_over_tls_to_a_broker_it_verifies(tmp_path: Path) -> None:
    with Mosquitto(tmp_path, tls=True) as broker:
        rig = Rig(broker.port, tls=MqttTls(ca_file=str(broker.cert)))
        async with running(rig):
            await eventually(lambda: rig.pub.stats.state_published >= 8)  # every view, over TLS
        assert "certificate" not in (rig.pub.stats.last_error or "")
        untrusted = Rig(broker.port, tls=MqttTls())  # the system's CAs do not know this broker
        async with running(untrusted):
            await eventually(lambda: untrusted.pub.stats.last_error is not None)
            assert "CERTIFICATE_VERIFY_FAILED" in (untrusted.pub.stats.last_error or "")
            assert not untrusted.pub.stats.connected


async def test_a_reload_publishes_its_result_and_clears_what_left_the_configuration(
    tmp_path: Path,
) -> None:
    with Mosquitto(tmp_path) as broker:
        rig = Rig(broker.port)
        async with running(rig), Listener(broker.port, f"{PREFIX}/#") as sub:
            gone = "sb/agent/b2/state"
            await sub.until(lambda: gone in sub.latest)
            catalog = rig.board.catalog
            agents = {a: e for a, e in catalog.agents.items() if a != "b2"}
            rig.board.catalog = replace(catalog, agents=agents)
            rig.pub.reloaded(
                {
                    "generation": 2,
                    "result": "applied",
                    "at": 1.0,
                    "problems": (),
                    "restart_needed": (),
                }
            )
            await sub.until(lambda: b'"generation":2' in sub.latest.get("sb/engine/config", b""))
            await sub.until(lambda: gone not in sub.latest)
            assert any(t == gone and not p for t, p, _ in sub.messages)  # empty retained: cleared
