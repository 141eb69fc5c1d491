"""Every REST endpoint against the engine and the fake PBX: each role allowed and refused, no or
an unknown token, malformed and invalid input (400/422 naming the field, nothing changed)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
from structlog.testing import capture_logs

from switchboard.config.api import ApiSettings
from tests.integration.api_world import API, TOKENS, api_world, bearer
from tests.integration.engine_world import SAVSJO, VETLANDA

ROLES = tuple(TOKENS)
READS = (
    "/api/me",
    "/api/overview",
    "/api/tenants",
    "/api/tenants/vetlanda",
    "/api/queues",
    "/api/queues/vetlanda-switchboard",
    "/api/agents",
    "/api/agents/op1001",
    "/api/calls/waiting",
    "/api/calls/connected?tenant=vetlanda",
    "/api/overrides",
    "/api/matrix",
    "/api/reports?from=2026-01-01&to=2026-01-02&tenant=vetlanda",
)


async def test_every_read_needs_a_valid_token_and_answers_every_role(tmp_path: Path) -> None:
    async with api_world(tmp_path) as a:
        for path in READS:
            for who in ROLES:
                status, body = await a.call("GET", path, who)
                assert status == 200, (path, who, body)
            status, body = await a.call("GET", path, None)
            assert (status, body["error"]) == (401, "unauthorized"), path
            bad = {"Authorization": "Bearer not-a-token-at-all-0000"}
            status, body = await a.call("GET", path, None, headers=bad)
            assert (status, body["error"]) == (401, "unauthorized"), path
        async with a.http.get("/api/tenants") as response:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        status, _ = await a.call("GET", "/api/me", None, headers={"Authorization": "Basic eDp5"})
        assert status == 401
        for public in ("/api/openapi.json", "/api/docs", "/", "/agent", "/wallboard/wallboard.js"):
            status, _ = await a.call("GET", public, None)
            assert status == 200, public


async def test_tokens_limited_to_tenants_see_only_theirs(tmp_path: Path) -> None:
    async with api_world(tmp_path) as a:
        for who in ("wallv", "op", "supv"):
            status, tenants = await a.call("GET", "/api/tenants", who)
            assert [t["id"] for t in tenants] == ["vetlanda"], who
            for path in ("/api/tenants/savsjo", "/api/agents/op1004", "/api/queues/savsjo-switchboard",
                         "/api/calls/waiting?tenant=savsjo"):  # fmt: skip
                status, body = await a.call("GET", path, who)
                assert (status, body["error"]) == (403, "forbidden"), (path, who)
            status, _ = await a.call("GET", "/api/reports?from=2026-01-01&to=2026-01-01", who)
            assert status == 403  # must name one of its tenants
            _, agents = await a.call("GET", "/api/agents", who)
            assert {x["id"] for x in agents} == {"op1001", "op1002"}
        _, me = await a.call("GET", "/api/me", "op")
        assert (me["role"], me["agent"], me["agents"]) == ("operator", "op1001", ["op1001"])
        _, me = await a.call("GET", "/api/me", "supv")
        assert me["agents"] == ["op1001", "op1002"]
        status, body = await a.call("GET", "/api/tenants/nowhere", "admin")
        assert (status, body["fields"]) == (
            404,
            [{"field": "path.tenant", "message": "unknown tenant"}],
        )


async def test_agent_actions_by_role_as_the_feature_codes(tmp_path: Path) -> None:
    async with api_world(tmp_path) as a:
        allowed = {"op": "op1001", "supv": "op1002", "admin": "op1004"}
        for who, agent in allowed.items():
            status, view = await a.call("POST", f"/api/agents/{agent}/login", who)
            assert (status, view["status"]) == (200, "available"), who
            status, view = await a.call("POST", f"/api/agents/{agent}/pause", who,
                                        json={"reason": "lunch"})  # fmt: skip
            assert (status, view["status"], view["paused_reason"]) == (200, "paused", "lunch")
            assert a.w.status(agent) == "paused"
            status, view = await a.call("POST", f"/api/agents/{agent}/unpause", who)
            assert view["status"] == "available"
        refused = [("wall", "op1001"), ("wallv", "op1001"), ("op", "op1002"), ("supv", "op1004")]
        for who, agent in refused:
            status, body = await a.call("POST", f"/api/agents/{agent}/logout", who)
            assert (status, body["error"]) == (403, "forbidden"), who
            assert a.w.status(agent) == "available"
        status, _ = await a.call("POST", "/api/agents/op1001/logout", None)
        assert status == 401
        with capture_logs() as logs:
            status, view = await a.call("POST", "/api/agents/op1001/logout", "op")
        assert (status, view["status"]) == (200, "logged_out")
        [action] = [line for line in logs if line["event"] == "api action"]
        assert (action["by"], action["role"], action["agent"]) == ("op", "operator", "op1001")
        assert TOKENS["op"]["token"] not in str(logs)
        status, body = await a.call("POST", "/api/agents/nobody/login", "admin")
        assert status == 404


async def test_malformed_and_invalid_bodies_name_the_field_and_change_nothing(
    tmp_path: Path,
) -> None:
    async with api_world(tmp_path) as a:
        await a.call("POST", "/api/agents/op1001/login", "admin")
        pause = "/api/agents/op1001/pause"
        cases = [
            (pause, b"{not json", 400, "body"),
            (pause, b"", 400, "body"),
            (pause, b'{"reason": ""}', 422, "body.reason"),
            (pause, b'{"reason": "a\\nb"}', 422, "body.reason"),
            (pause, b'{"reason": "x", "extra": 1}', 422, "body.extra"),
            (pause, b"[1, 2]", 422, "body"),
        ]
        force = "/api/tenants/vetlanda/force"
        cases += [
            (force, b'{"force": "shut", "for_s": 600}', 422, "body.force"),
            (force, b'{"force": "closed"}', 422, "body"),
            (force, b'{"force": "closed", "for_s": 600, "until": "2099-01-01T00:00:00Z"}', 422, "body"),
            (force, b'{"force": "closed", "for_s": 10}', 422, "body.for_s"),
            (force, b'{"force": "closed", "until": "2020-01-01T00:00:00+01:00"}', 422, "body.until"),
            (force, b'{"force": "closed", "until": "2099-01-01T00:00:00"}', 422, "body.until"),
        ]  # fmt: skip
        for path, raw, status, field in cases:
            method = "PUT" if path == force else "POST"
            headers = {"Content-Type": "application/json"}
            got, body = await a.call(method, path, "admin", data=raw, headers=headers)
            assert got == status, (raw, body)
            assert field in [f["field"] for f in body["fields"]], (raw, body)
            assert body["error"] == ("malformed" if status == 400 else "invalid")
        assert a.w.status("op1001") == "available"
        assert not a.w.engine.live.state.overrides
        for query, field in [
            ("from=yesterday&to=2026-01-01", "query.from"),
            ("from=2026-01-02&to=2026-01-01", "query"),
            ("from=2026-01-01&to=2026-01-01&format=pdf", "query.format"),
            ("from=2026-01-01&to=2026-01-01&color=red", "query.color"),
            ("to=2026-01-01", "query.from"),
        ]:
            got, body = await a.call("GET", f"/api/reports?{query}", "admin")
            assert (got, field in [f["field"] for f in body["fields"]]) == (422, True), query
        got, body = await a.call("GET", "/api/calls/waiting?tenant=nowhere", "admin")
        assert (got, body["fields"][0]["field"]) == (404, "query.tenant")


async def test_forcing_closed_turns_calls_away_until_cleared_and_survives_reload_and_restart(
    tmp_path: Path,
) -> None:
    async with api_world(tmp_path) as a:
        body = {"force": "closed", "for_s": 3600, "reason": "fire drill"}
        for who in ("wall", "wallv", "op"):
            status, _ = await a.call("PUT", "/api/tenants/vetlanda/force", who, json=body)
            assert status == 403
        status, _ = await a.call("PUT", "/api/tenants/savsjo/force", "supv", json=body)
        assert status == 403
        status, _ = await a.call("PUT", "/api/tenants/vetlanda/services/nope/force", "supv",
                                 json=body)  # fmt: skip
        assert status == 404
        status, overrides = await a.call("PUT", "/api/tenants/vetlanda/force", "supv", json=body)
        assert status == 200
        assert [(o["force"], o["by"], o["reason"]) for o in overrides] == [
            ("closed", "supv", "fire drill")
        ]
        call = a.w.sim.place_call(VETLANDA)
        assert (await asyncio.wait_for(call.outcome, 10)).kind == "closed"
        _, tenant = await a.call("GET", "/api/tenants/vetlanda", "wall")
        assert tenant["overrides"][0]["force"] == "closed"
        _, ready = await a.call("GET", "/readyz", None)
        assert ready["overrides"]["active"][0]["tenant"] == "vetlanda"
        a.w.engine.reloader.load = lambda: a.w.config
        assert (await a.w.engine.reloader.reload()).result == "applied"
        assert ("vetlanda", "") in a.w.engine.live.state.overrides
        await asyncio.to_thread(a.w.engine.store.flush)
        await a.w.restart_engine()
        assert ("vetlanda", "") in a.w.engine.live.state.overrides  # read back from the store
        base = f"http://127.0.0.1:{a.w.engine.ops.http.port}"
        async with a.http.delete(f"{base}/api/tenants/vetlanda/force",
                                 headers={"Authorization": f"Bearer {TOKENS['admin']['token']}"}) as r:  # fmt: skip
            assert (r.status, await r.json()) == (200, [])
        again = a.w.sim.place_call(VETLANDA)
        await a.w.until(lambda: again.uniqueid in a.w.engine.live.state.calls)
        service = {"force": "open", "until": "2099-01-01T00:00:00+00:00"}
        status, body = await a.call("PUT", f"{base}/api/tenants/vetlanda/services/switchboard/force",
                                    "admin", json=service)  # fmt: skip
        assert (status, body["fields"][0]["field"]) == (422, "body.until")  # over a week away


async def test_priority_and_withdrawal_of_a_waiting_call(tmp_path: Path) -> None:
    async with api_world(tmp_path) as a:
        first = a.w.sim.place_call(VETLANDA, "0701000001")
        second = a.w.sim.place_call(VETLANDA, "0701000002")
        await a.w.until(lambda: len(a.w.engine.live.state.waiting.get("vetlanda", ())) == 2)
        _, waiting = await a.call("GET", "/api/calls/waiting?tenant=vetlanda", "admin")
        assert [c["caller_num"] for c in waiting] == ["+46701000001", "+46701000002"]
        _, masked = await a.call("GET", "/api/calls/waiting", "wall")
        assert masked[0]["caller_num"].endswith("***")
        assert masked[0]["caller_name"] == ""
        path = f"/api/calls/{second.uniqueid}/priority"
        for who in ("wall", "op"):
            status, _ = await a.call("POST", path, who, json={"priority": 9})
            assert status == 403
        for raw in (b'{"priority": -1}', b'{"priority": "high"}', b"{}"):
            status, body = await a.call("POST", path, "supv", data=raw,
                                        headers={"Content-Type": "application/json"})  # fmt: skip
            assert status == 422, raw
        status, view = await a.call("POST", path, "supv", json={"priority": 9})
        assert (status, view["priority"]) == (200, 9)
        _, waiting = await a.call("GET", "/api/calls/waiting", "admin")
        assert [c["id"] for c in waiting] == [second.uniqueid, first.uniqueid]
        status, _ = await a.call("POST", "/api/calls/nope/withdraw", "admin")
        assert status == 404
        status, body = await a.call("POST", f"/api/calls/{first.uniqueid}/withdraw", "supv")
        assert (status, body["call_id"]) == (202, first.uniqueid)
        outcome = await asyncio.wait_for(first.outcome, 10)
        assert outcome.kind == "voicemail"
        await a.w.until(lambda: first.uniqueid not in a.w.engine.live.state.calls)
        status, body = await a.call("POST", f"/api/calls/{first.uniqueid}/withdraw", "supv")
        assert status == 404  # over
        await a.w.login("1001")
        answered = await asyncio.wait_for(second.outcome, 10)
        assert answered.kind == "answered"
        status, body = await a.call("POST", f"/api/calls/{second.uniqueid}/priority", "admin",
                                    json={"priority": 1})  # fmt: skip
        assert status in (404, 409)  # answered: no longer waiting
        await asyncio.to_thread(a.w.engine.store.flush)
        records = await asyncio.to_thread(a.w.engine.store.records)
        assert {r.id: r.outcome for r in records}[first.uniqueid] == "withdrawn"


async def test_the_stream_starts_with_a_snapshot_and_shows_only_the_tokens_tenants(
    tmp_path: Path,
) -> None:
    async with api_world(tmp_path) as a:
        async with a.http.get("/api/stream", headers=bearer("wallv")) as response:
            assert response.headers["Content-Type"] == "text/event-stream"
            kind, first = await _next_event(response)
            assert kind == "snapshot"
            assert [t["id"] for t in first["tenants"]] == ["vetlanda"]
            assert first["me"]["name"] == "wallv"
            a.w.sim.place_call(SAVSJO)
            call = a.w.sim.place_call(VETLANDA)
            seen: list[tuple[str, dict[str, object]]] = []
            while not any(k == "call" and e["call_id"] == call.uniqueid for k, e in seen):
                seen.append(await _next_event(response))
            tenants = {e.get("tenant") or e.get("id") for k, e in seen if k in ("call", "tenant")}
            assert tenants == {"vetlanda"}
            assert all(e["caller_num"] is None for k, e in seen if k == "call")
        async with a.http.get("/api/stream") as response:
            assert response.status == 401


async def _next_event(response: aiohttp.ClientResponse) -> tuple[str, dict[str, object]]:
    kind, data = "", ""
    async with asyncio.timeout(5):
        while line := (await response.content.readline()).decode():
            if line.startswith("event: "):
                kind = line[7:].strip()
            elif line.startswith("data: "):
                data += line[6:]
            elif line == "\n" and data:
                return kind, json.loads(data)
    raise AssertionError("the stream ended")


async def test_without_tokens_loopback_clients_read_and_nobody_acts(tmp_path: Path) -> None:
    async with api_world(tmp_path, ApiSettings()) as a:
        status, tenants = await a.call("GET", "/api/tenants", None)
        assert (status, len(tenants)) == (200, 2)
        status, me = await a.call("GET", "/api/me", None)
        assert (me["name"], me["role"]) == ("anonymous", "wallboard")
        status, _ = await a.call("POST", "/api/agents/op1001/login", None)
        assert status == 403
    (tmp_path / "closed").mkdir()
    async with api_world(tmp_path / "closed", API.model_copy(update={"loopback_read": False})) as a:
        status, _ = await a.call("GET", "/api/tenants", None)
        assert status == 401
