"""The caller's path through the fake PBX loaded from the written configuration: greeting,
menu, language and the static number map with the engine dead."""

from __future__ import annotations

import asyncio
from pathlib import Path

from switchboard.fakepbx.phones import answers
from tests.integration.example_world import EKSJO, HALDEN, VETLANDA, example_world


async def test_greeting_then_menu_digit_2_reaches_school_transport(tmp_path: Path) -> None:
    async with example_world(tmp_path) as w:
        call = w.sim.place_call(EKSJO.removeprefix("+"))
        await call.wait_step("read eksjo-menu")
        call.press("2")
        await call.wait_step("queue eksjo-school-transport")
        assert call.steps_like("playback") == [
            "playback eksjo-greeting sv",
            "playback eksjo-school-transport sv",  # the chosen service's own greeting
        ]
        assert call.steps_like("route") == ["route SUCCESS", "route SUCCESS digit '2'"]
        await w.until(lambda: call.uniqueid in w.engine.live.state.calls)
        routed = w.engine.live.state.calls[call.uniqueid]
        assert (routed.service, routed.queue, routed.language) == (
            "school-transport",
            "eksjo-school-transport",
            "sv",
        )
        w.sim.hangup(call)


async def test_an_invalid_digit_asks_again_then_the_default_service(tmp_path: Path) -> None:
    async with example_world(tmp_path) as w:
        call = w.sim.place_call(EKSJO.removeprefix("+"))
        await call.wait_step("read eksjo-menu")
        call.press("9")
        await call.wait_step("queue eksjo-switchboard", within_s=10)
        assert call.steps_like("menu digit") == ["menu digit '9' try 0", "menu digit '' try 1"]
        assert "playback pm-invalid-option sv" in call.steps_like("playback")
        assert call.steps_like("route")[-1] == "route SUCCESS digit ''"
        await w.until(lambda: call.uniqueid in w.engine.live.state.calls)
        assert w.engine.live.state.calls[call.uniqueid].service == "switchboard"
        w.sim.hangup(call)


async def test_the_language_of_the_tenant_and_of_a_caller_rule(tmp_path: Path) -> None:
    async with example_world(tmp_path) as w:
        norwegian = w.sim.place_call(HALDEN.removeprefix("+"))
        visitor = w.sim.place_call(VETLANDA.removeprefix("+"), caller_num="+4790000001")
        local = w.sim.place_call(VETLANDA.removeprefix("+"), caller_num="0701000001")
        for call in (norwegian, visitor, local):
            await call.wait_step("queue")
        assert norwegian.steps_like("playback") == ["playback halden-velkommen no"]
        assert visitor.steps_like("playback") == ["playback vetlanda-greeting no"]
        assert local.steps_like("playback") == ["playback vetlanda-greeting sv"]
        for call in (norwegian, visitor, local):
            w.sim.hangup(call)


async def test_engine_dead_the_caller_is_greeted_and_the_fallback_shows_the_tag(
    tmp_path: Path,
) -> None:
    async with example_world(tmp_path, engine=False) as w:
        w.sim.register("1001", answers(1.0))
        call = w.sim.place_call(VETLANDA.removeprefix("+"))
        outcome = await asyncio.wait_for(call.outcome, 10)
        assert (outcome.kind, outcome.agent) == ("answered", "PJSIP/1001")
        assert call.steps_like("route") == ["route FAILURE"]
        assert call.steps_like("playback") == ["playback vetlanda-greeting sv"]
        assert call.steps_like("fallback") == ["fallback engine-down"]
        assert call.channel.caller_name == "VETLANDA Åsa Öberg"
