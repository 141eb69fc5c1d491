"""The engine publishing to a real Mosquitto while the fake PBX carries calls."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

from switchboard.config.settings import MqttSettings
from switchboard.fakepbx.phones import answers
from tests.integration.daemon import MQTT_PASSWORD, daemon
from tests.integration.engine_world import VETLANDA, World, world
from tests.mosquitto import Mosquitto
from tests.mqtt_listener import Listener
from tests.payload_schemas import check_payload

PREFIX = "sb"
TENANT = f"{PREFIX}/tenant/vetlanda/state"


def mqtt(port: int, **kw: object) -> MqttSettings:
    options = {"reconnect_max_s": 0.2, "state_interval_ms": 50, "timeout_s": 1.0, **kw}
    return MqttSettings(enabled=True, port=port, topic_prefix=PREFIX, **options)  # type: ignore[arg-type]


def publisher_state(w: World) -> Callable[[], bool]:
    pub = w.engine.mqtt
    assert pub is not None
    return lambda: pub.stats.connected


async def test_a_call_through_the_pbx_is_published_as_events_and_state(tmp_path: Path) -> None:
    with Mosquitto(tmp_path) as broker:
        async with world(tmp_path, {"1001": "vetlanda"}, mqtt=mqtt(broker.port)) as w:
            await w.until(publisher_state(w))
            async with Listener(broker.port, f"{PREFIX}/#") as sub:
                await w.login("1001")
                w.sim.set_behaviour("1001", answers(1.0, hangup_after_s=2))
                call = w.sim.place_call(VETLANDA)
                await asyncio.wait_for(call.ended, 20)

                def of_call() -> list[str]:
                    return [e["event"] for e in sub.events() if e["call_id"] == call.uniqueid]

                await sub.until(lambda: of_call()[-1:] == ["ended"])
                assert of_call() == ["arrived", "queued", "offered", "answered", "ended"]
                answered = sub.events("answered")[-1]
                assert (answered["agent"], answered["agent_home"], answered["tenant"]) == (
                    "op1001",
                    "vetlanda",
                    "vetlanda",
                )
                assert answered["caller_num"] is None  # personal data stays off MQTT by default
                await sub.until(lambda: b'"answered":1' in sub.latest.get(TENANT, b""))
                tenant = sub.json(TENANT)
                assert (tenant["name"], tenant["tag"], tenant["waiting"]) == (
                    "Vetlanda kommun",
                    "VETLANDA",
                    0,
                )
                assert tenant["today"]["offered"] == 1
                assert tenant["today"]["service_level"] == 1.0
                await sub.until(
                    lambda: sub.json(f"{PREFIX}/agent/op1001/state")["calls_today"] == 1
                )
                assert sub.latest[f"{PREFIX}/engine/status"] == b"online"
                for topic, payload, _ in sub.messages:
                    check_payload(topic, payload)


async def test_routing_goes_on_while_the_broker_is_down(tmp_path: Path) -> None:
    agents = {"1001": "vetlanda", "1002": "vetlanda"}
    with Mosquitto(tmp_path) as broker:
        async with world(tmp_path, agents, mqtt=mqtt(broker.port, buffer_events=4)) as w:
            pub = w.engine.mqtt
            assert pub is not None
            await w.until(publisher_state(w))
            await w.login(*agents)
            for ep in agents:
                w.sim.set_behaviour(ep, answers(0.5, hangup_after_s=1))
            broker.stop()  # a few real seconds of outage (tens of engine seconds)
            calls = []
            for i in range(8):
                calls.append(w.sim.place_call(VETLANDA, f"0701000{i:03d}"))
                await asyncio.sleep(0.25)  # paces the callers over the outage
            outcomes = await asyncio.wait_for(asyncio.gather(*(c.outcome for c in calls)), 30)
            assert {o.kind for o in outcomes} == {"answered"}
            await asyncio.wait_for(asyncio.gather(*(c.ended for c in calls)), 30)
            await w.until(lambda: not w.engine.live.state.calls)
            assert not pub.stats.connected
            assert pub.stats.events_dropped == 8 * 5 - 4  # five milestones a call, four kept
            assert pub.health().state == "down"
            broker.start()
            await w.until(lambda: pub.stats.connects == 2)
            async with Listener(broker.port, f"{PREFIX}/#") as fresh:
                await fresh.until(lambda: b'"answered":8' in fresh.latest.get(TENANT, b""))
                assert fresh.latest[f"{PREFIX}/engine/status"] == b"online"
                agent_topics = [f"{PREFIX}/agent/op{ep}/state" for ep in agents]
                await fresh.until(lambda: all(t in fresh.latest for t in agent_topics))
                assert sum(fresh.json(t)["calls_today"] for t in agent_topics) == 8
                for topic, payload, _ in fresh.messages:
                    check_payload(topic, payload)
            await w.until(lambda: pub.stats.buffered == 0)


async def test_daemon_reports_mqtt_everywhere_and_leaves_offline_when_killed(
    tmp_path: Path,
) -> None:
    with Mosquitto(tmp_path, users={"sb": MQTT_PASSWORD}) as broker:
        env = {
            "SWITCHBOARD_MQTT__ENABLED": "true",
            "SWITCHBOARD_MQTT__PORT": str(broker.port),
            "SWITCHBOARD_MQTT__TOPIC_PREFIX": PREFIX,
        }  # user sb and its password come from the file
        async with (
            daemon(tmp_path, env=env) as d,
            Listener(broker.port, f"{PREFIX}/#", auth=("sb", MQTT_PASSWORD)) as sub,
        ):
            config = f"{PREFIX}/engine/config"
            await sub.until(lambda: sub.latest.get(f"{PREFIX}/engine/status") == b"online")
            await sub.until(lambda: config in sub.latest)
            assert (sub.json(config)["generation"], sub.json(config)["result"]) == (1, "initial")
            status, ready = await d.get_json("/readyz")
            assert (status, ready["checks"]["mqtt"]["ok"], ready["checks"]["mqtt"]["required"]) == (
                200,
                True,
                False,
            )
            _, metrics = await d.get("/metrics")
            assert b"switchboard_mqtt_connected 1.0" in metrics
            d.proc.send_signal(signal.SIGHUP)  # the same file again: applied as generation 2
            await sub.until(lambda: sub.json(config)["result"] == "applied")
            assert sub.json(config)["generation"] == 2
            d.proc.send_signal(signal.SIGKILL)
            await d.proc.wait()
            await sub.until(lambda: sub.latest.get(f"{PREFIX}/engine/status") == b"offline")
            for topic, payload, _ in sub.messages:
                check_payload(topic, payload)
                assert MQTT_PASSWORD.encode() not in payload
        assert b"mqtt connected" in d.everything()  # daemon() checks the password is nowhere
    assert MQTT_PASSWORD.encode() not in broker.log.read_bytes()


async def test_todays_figures_survive_an_engine_restart(tmp_path: Path) -> None:
    with Mosquitto(tmp_path) as broker:
        async with world(tmp_path, {"1001": "vetlanda"}, mqtt=mqtt(broker.port)) as w:
            await w.login("1001")
            w.sim.set_behaviour("1001", answers(0.5, hangup_after_s=1))
            for caller in ("0701000001", "0701000002"):
                await asyncio.wait_for(w.sim.place_call(VETLANDA, caller).ended, 20)
            await w.until(lambda: not w.engine.live.state.calls)
            await w.restart_engine()
            await w.until(publisher_state(w))
            assert w.engine.board.tenant("vetlanda").today.answered == 2
            async with Listener(broker.port, TENANT) as sub:
                await sub.until(lambda: b'"answered":2' in sub.latest.get(TENANT, b""))
                assert sub.json(TENANT)["today"]["offered"] == 2
