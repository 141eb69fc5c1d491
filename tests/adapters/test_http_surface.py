"""The HTTP surface on its own: metrics from real core effects, readiness rules, the server."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from switchboard.config.settings import HttpSettings
from switchboard.http import health, metrics
from switchboard.http.health import Readiness
from switchboard.http.metrics import Metrics
from switchboard.http.server import HttpServer
from tests.unit.dispatch_fixture import Driver


def values(m: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(m.render().decode())
        for s in family.samples
    }


ALPHA = (("service", "main"), ("tenant", "alpha"))


def test_call_milestones_become_counters_and_the_wait_histogram() -> None:
    d, m = Driver(), Metrics()
    uid = d.call()  # nobody logged in: it waits, reaches alpha's 30 s overflow step
    d.wait(31)
    d.wait(31)
    d.login("a1")
    d.deliver(uid, "ANSWER")
    gone = d.call()
    d.hangup(gone)
    d.hangup(uid)
    m.on_effects(d.effects)
    v = values(m)
    assert v[("switchboard_calls_offered_total", ALPHA)] == 2
    assert v[("switchboard_calls_answered_total", ALPHA)] == 1
    assert v[("switchboard_calls_abandoned_total", ALPHA)] == 1
    assert v[("switchboard_calls_overflowed_total", ALPHA)] == 1
    assert v[("switchboard_calls_ended_total", (("outcome", "answered"), *ALPHA))] == 1
    assert v[("switchboard_call_wait_seconds_count", ALPHA)] == 1
    assert v[("switchboard_call_wait_seconds_sum", ALPHA)] == 62  # joined, then 2 x 31 s
    m.on_decision(0.0002)
    m.on_ami_action("actions", "Redirect", 0.001)
    m.on_store_write(0.01, 3, True)
    m.on_store_write(5.0, 3, False)  # failures are counted from the store's health
    v = values(m)
    assert v[("switchboard_route_decision_seconds_count", ())] == 1
    assert (
        v[
            (
                "switchboard_ami_action_seconds_count",
                (("action", "Redirect"), ("connection", "actions")),
            )
        ]
        == 1
    )
    assert v[("switchboard_store_write_seconds_count", ())] == 1


def test_required_checks_decide_readiness_and_reported_ones_only_show() -> None:
    r = Readiness()
    r.add("ami", lambda: (True, "logged in"))
    r.add("mqtt", lambda: (False, "broker down"), required=False)
    r.report("reload", lambda: {"generation": 3})
    ready, body = r.evaluate()
    assert ready is True
    assert body == {
        "ready": True,
        "checks": {
            "ami": {"ok": True, "required": True, "detail": "logged in"},
            "mqtt": {"ok": False, "required": False, "detail": "broker down"},
        },
        "reload": {"generation": 3},
    }

    def broken() -> bool:
        raise RuntimeError("boom")

    r.add("store", broken)
    ready, body = r.evaluate()
    assert ready is False
    assert body["checks"]["store"] == {  # type: ignore[index]
        "ok": False,
        "required": True,
        "detail": "check failed: RuntimeError",
    }


async def test_server_serves_the_routes_of_every_surface_on_a_free_port() -> None:
    r, m = Readiness(), Metrics()
    r.add("agi", lambda: False)
    server = HttpServer(HttpSettings(port=0))
    server.add(health.routes(r))
    server.add(metrics.routes(m))
    await server.start()
    try:
        for path, status, start in (
            ("/healthz", 200, b'{"alive": true}'),
            ("/readyz", 503, b'{"ready": false'),
            ("/metrics", 200, b"# HELP"),
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            head, _, body = (await reader.read()).partition(b"\r\n\r\n")
            writer.close()
            await writer.wait_closed()
            assert head.startswith(f"HTTP/1.1 {status}".encode()) or head.startswith(
                f"HTTP/1.0 {status}".encode()
            )
            assert body.startswith(start)
    finally:
        await server.stop()
