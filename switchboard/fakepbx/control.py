"""Test and demo control of the simulated Asterisk: start/stop, phones, calls, restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from switchboard.fakepbx import events as ev
from switchboard.fakepbx.agi_client import run_agi
from switchboard.fakepbx.ami_actions import HANDLERS
from switchboard.fakepbx.ami_server import AmiServer
from switchboard.fakepbx.calls import CallHandle, Outcome
from switchboard.fakepbx.config import SimConfig
from switchboard.fakepbx.dialplan import run_call
from switchboard.fakepbx.model import Channel, Endpoint
from switchboard.fakepbx.pbx import Pbx
from switchboard.fakepbx.phones import PhoneBehaviour


class Simulator:
    """An in-process Asterisk 22 look-alike speaking AMI (server) and FastAGI (client)."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.pbx: Pbx | None = None
        self.ami: AmiServer | None = None
        self.calls: list[CallHandle] = []
        self._call_tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Boot and listen for AMI on `config.ami_host`, port `config.ami_port` (0 = any)."""
        self.pbx = Pbx(self.config)
        self.ami = AmiServer(self.pbx, HANDLERS)
        self.pbx.listeners.append(self.ami.broadcast)
        self.ami.boot_at = asyncio.get_running_loop().time() - 1.0  # "Uptime: 1" right after boot
        await self.ami.listen()

    async def stop(self) -> None:
        """Stop listening, close AMI sockets, cancel calls and background tasks."""
        if self.ami is not None:
            await self.ami.stop_listening()
            await self.ami.close_sessions()
        await self._cancel_everything("stopped")

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def ami_port(self) -> int:
        """The bound AMI port."""
        return self._ami().port

    # ------------------------------------------------------------------ endpoints
    def endpoint(self, name: str) -> Endpoint:
        """The operator endpoint `name` (e.g. "1001")."""
        return self._pbx().endpoints[name]

    def register(self, name: str, behaviour: PhoneBehaviour | None = None, port: int = 0) -> None:
        """Register the endpoint's phone (contact sip:<name>@127.0.0.1:<port>)."""
        ep = self.endpoint(name)
        if behaviour is not None:
            ep.behaviour = behaviour
        self._pbx().register(
            ep, port or 25000 + int("".join(c for c in name if c.isdigit()) or 0) % 1000
        )

    def unregister(self, name: str) -> None:
        """Unregister (REGISTER Expires: 0): the endpoint has no contact any more."""
        self._pbx().unregister(self.endpoint(name))

    def outside_phone(self, number: str, behaviour: PhoneBehaviour) -> None:
        """A phone outside the switchboard, reached through the trunk at E.164 `number`."""
        self._pbx().outside[number] = behaviour

    def set_behaviour(self, name: str, behaviour: PhoneBehaviour) -> None:
        """Change how the phone reacts to the next offer."""
        self.endpoint(name).behaviour = behaviour

    # ------------------------------------------------------------------ calls
    def place_call(self, did: str, caller_num: str = "070123456", caller_name: str = "Åsa Öberg",
                   *, hangup_after_s: float | None = None) -> CallHandle:  # fmt: skip
        """A caller dials `did` on the inbound trunk; optionally hangs up after `hangup_after_s`."""
        pbx = self._pbx()
        ctx = self.config.dialplan.inbound_context
        ch = pbx.new_channel(
            self.config.inbound_endpoint, caller_num, caller_name, ctx, did, state=4
        )
        ch.dnid = did
        pbx.processed_calls += 1
        call = CallHandle(did, caller_num, ch)
        self.calls.append(call)
        pbx.emit(ev.channel_event("Newchannel", ch))
        task = asyncio.get_running_loop().create_task(
            run_call(pbx, ch, call), name=f"sim-{ch.name}"
        )
        self._call_tasks.add(task)
        task.add_done_callback(self._call_tasks.discard)
        if hangup_after_s is not None:
            pbx.spawn(self._hangup_later(call, hangup_after_s))
        return call

    async def feature_code(self, endpoint: str, action: str, reason: str = "") -> str | None:
        """The operator at `endpoint` dials a feature code: `agent?action=...` AGI; SB_RESULT."""
        pbx = self._pbx()
        dp = self.config.dialplan
        ch = pbx.new_channel(endpoint, endpoint, "", dp.agents_context, "*", state=6)
        query = f"{dp.agent_script}?action={action}" + (f"&reason={reason}" if reason else "")
        try:
            await run_agi(pbx, ch, query, [endpoint])
            return ch.variables.get("SB_RESULT")
        finally:
            self._forget(ch)

    def _forget(self, ch: Channel) -> None:
        """Forget a feature-code channel without events (it never reached a queue or a dial)."""
        pbx = self._pbx()
        pbx.channels.pop(ch.name, None)
        ep = pbx.endpoints.get(ch.name.removeprefix("PJSIP/").rsplit("-", 1)[0])
        if ep is not None and ch in ep.channels:
            ep.channels.remove(ch)

    def hangup(self, call: CallHandle) -> None:
        """The caller hangs up (BYE) now."""
        self._pbx().request_hangup(call.channel)

    async def wait_until(self, predicate: Callable[[], bool], within_s: float = 5.0) -> None:
        """Wait, with a deadline, until `predicate()` holds after some PBX state change."""
        async with asyncio.timeout(within_s):
            while not predicate():
                await self._pbx().wait_changed()

    # ------------------------------------------------------------------ faults
    async def restart(self) -> None:
        """`core restart now`: Shutdown, sockets closed, refused, then a fresh boot with FullyBooted."""
        pbx, ami, cfg = self._pbx(), self._ami(), self.config
        pbx.emit(ev.shutdown(restart=True))
        await self._cancel_everything("restart")
        await asyncio.sleep(cfg.restart_close_s)
        await ami.stop_listening()
        await ami.close_sessions()
        await asyncio.sleep(cfg.restart_refuse_s)
        ami.booted = False
        await ami.listen()
        await asyncio.sleep(cfg.restart_boot_s)
        pbx.boot()
        ami.boot_at = asyncio.get_running_loop().time()
        for ep in pbx.endpoints.values():  # hints load before the endpoints' state (14)
            pbx.emit(ev.extension_status(ep.name, cfg.dialplan.agents_context, "", "UNAVAILABLE"))
        ami.booted = True
        pbx.emit(ev.fully_booted(0, 0, at_login=False))

    async def drop_ami(self) -> None:
        """Close every AMI connection abruptly (the engine sees EOF; Asterisk keeps running)."""
        await self._ami().close_sessions()

    async def cut_actions(self, for_s: float) -> None:
        """Close the events-off (actions) logins and drop new connections for `for_s` real
        seconds, while the events login keeps flowing (a half-broken AMI link)."""
        ami = self._ami()
        for session in list(ami.sessions):
            if session.logged_in and not session.events:
                session.close()
        ami.refuse_until = asyncio.get_running_loop().time() + for_s

    # ------------------------------------------------------------------ helpers
    async def _hangup_later(self, call: CallHandle, after_s: float) -> None:
        await self._pbx().sleep(after_s)
        self.hangup(call)

    async def _cancel_everything(self, why: str) -> None:
        pbx = self.pbx
        tasks = list(self._call_tasks) + (list(pbx.tasks) if pbx else [])
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for call in self.calls:
            if not call.outcome.done():
                call.outcome.set_result(Outcome(why))
            if not call.ended.done():
                call.ended.set_result(asyncio.get_running_loop().time())
        if pbx is not None:
            pbx.channels.clear()
            pbx.bridges.clear()
            for ep in pbx.endpoints.values():
                ep.channels.clear()

    def _pbx(self) -> Pbx:
        if self.pbx is None:
            raise RuntimeError("simulator not started")
        return self.pbx

    def _ami(self) -> AmiServer:
        if self.ami is None:
            raise RuntimeError("simulator not started")
        return self.ami
