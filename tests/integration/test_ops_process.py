"""`switchboard run` watched the way ops watch it: /healthz, /readyz, /metrics, and no secret."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from switchboard.fakepbx.calls import CallHandle
from tests.integration.daemon import SAVSJO, VETLANDA, Daemon, daemon


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


async def scrape(d: Daemon) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, body = await d.get("/metrics")
    assert status == 200
    return samples(body.decode())


async def ended(d: Daemon, call: CallHandle, outcome: str) -> None:
    await d.logged("call ended", call_id=call.uniqueid, outcome=outcome)


async def test_metrics_count_the_calls_the_test_made(tmp_path: Path) -> None:
    async with daemon(tmp_path) as d:
        sim = d.sim
        assert await sim.feature_code("1001", "login") == "ok"
        answered = sim.place_call(VETLANDA)
        assert (await answered.outcome).agent == "PJSIP/1001"
        await ended(d, answered, "answered")
        assert await sim.feature_code("1001", "logout") == "ok"
        abandoned = sim.place_call(VETLANDA, hangup_after_s=2)  # nobody logged in for vetlanda
        await ended(d, abandoned, "abandoned")
        assert await sim.feature_code("1004", "login") == "ok"
        savsjo = [sim.place_call(SAVSJO) for _ in range(3)]
        for call in savsjo:
            await ended(d, call, "answered")
        await d.until(lambda: d.get("/readyz"), what="readyz answered")  # one more scrape kind
        m = await scrape(d)

    vet, sav = (
        {"tenant": "vetlanda", "service": "switchboard"},
        {"tenant": "savsjo", "service": "switchboard"},
    )
    assert value(m, "switchboard_calls_offered_total", **vet) == 2
    assert value(m, "switchboard_calls_answered_total", **vet) == 1
    assert value(m, "switchboard_calls_abandoned_total", **vet) == 1
    assert value(m, "switchboard_calls_ended_total", **vet, outcome="answered") == 1
    assert value(m, "switchboard_calls_ended_total", **vet, outcome="abandoned") == 1
    assert value(m, "switchboard_calls_offered_total", **sav) == 3
    assert value(m, "switchboard_calls_answered_total", **sav) == 3
    assert value(m, "switchboard_call_wait_seconds_count", **vet) == 1
    assert value(m, "switchboard_call_wait_seconds_count", **sav) == 3
    assert value(m, "switchboard_call_milestones_total", **vet, milestone="offered") == 1
    assert value(m, "switchboard_route_decision_seconds_count") == 5  # one per route session
    assert value(m, "switchboard_agents", tenant="savsjo", state="available") == 1
    assert value(m, "switchboard_agents", tenant="vetlanda", state="logged_out") == 2
    assert value(m, "switchboard_calls_waiting", tenant="vetlanda") == 0
    # routes and feature codes; the 4 answers were reported over AMI (UserEvent), not FastAGI
    assert value(m, "switchboard_agi_sessions_total") >= 5 + 3
    assert value(m, "switchboard_agi_deadline_misses_total") == 0
    assert value(m, "switchboard_ami_logins_total", connection="events") == 1
    assert value(m, "switchboard_ami_deliverable") == 1
    # The first caller of each tenant met a free operator and was offered in its route answer;
    # the two Sävsjö callers behind it waited in the queue and were delivered by Redirect.
    assert (
        value(m, "switchboard_ami_action_seconds_count", connection="actions", action="Redirect")
        == 2
    )
    assert value(m, "switchboard_store_writable") == 1
    assert value(m, "switchboard_config_generation") == 1
    assert value(m, "switchboard_event_loop_lag_seconds_count") > 0
    assert value(m, "process_resident_memory_bytes") > 0


async def test_readyz_follows_the_ami_link_and_healthz_stays_alive(tmp_path: Path) -> None:
    async with daemon(tmp_path) as d:
        status, ready = await d.get_json("/readyz")
        assert status == 200
        assert ready["ready"] is True
        assert {name: c["ok"] for name, c in ready["checks"].items()} == {
            "ami": True,
            "agi": True,
            "store": True,
            "asterisk": True,  # every queue and operator device the YAML routes to
        }
        assert ready["reload"]["generation"] == 1
        ami = d.sim.ami
        assert ami is not None
        await ami.stop_listening()  # Asterisk gone: sockets closed, connections refused
        await d.sim.drop_ami()

        async def unready() -> bool:
            status, body = await d.get_json("/readyz")
            return status == 503 and body["checks"]["ami"] == {
                "ok": False,
                "required": True,
                "detail": "not logged in",
            }

        await d.until(unready, what="/readyz 503 without AMI")
        assert (await d.get_json("/healthz")) == (200, {"alive": True})
        call = d.sim.place_call(VETLANDA)  # meanwhile callers go to the dialplan's fallback
        await call.wait_step("fallback")
        await ami.listen()

        async def ready_again() -> bool:
            return (await d.get("/readyz"))[0] == 200

        await d.until(ready_again, within_s=15, what="/readyz 200 once AMI is back")
        m = await scrape(d)
        assert value(m, "switchboard_ami_reconnects_total", connection="events") == 1
        d.proc.send_signal(signal.SIGTERM)
        assert await d.exited(12) == 0


async def test_no_secret_in_logs_metrics_or_answers_even_at_debug_and_on_errors(
    tmp_path: Path,
) -> None:
    async with daemon(tmp_path) as d:  # the daemon fixture greps everything for both secrets
        assert await d.sim.feature_code("1001", "login") == "ok"  # AMI up: the secret works
        d.config.write_text(d.config.read_text() + "bogus: [\n")  # a rejected reload
        d.proc.send_signal(signal.SIGHUP)
        await d.logged("config reload rejected, running configuration kept")
        await d.get("/readyz")
        await d.get("/metrics")
        await d.get("/healthz")
        await d.get("/nothing-here")
        reader, writer = await asyncio.open_connection("127.0.0.1", d.http)
        writer.write(b"NOT HTTP \x00\r\n\r\n")  # aiohttp logs it through the stdlib
        assert (await reader.read()).startswith(b"HTTP/1.0 400")
        writer.close()
        await d.logged("Error handling request from 127.0.0.1", logger="aiohttp.server")
        d.proc.send_signal(signal.SIGTERM)
        assert await d.exited(12) == 0
    assert all("raw" not in line for line in d.lines)  # every line JSON, stdlib ones too
