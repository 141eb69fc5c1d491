"""AMI server side: sessions, login, event delivery and action dispatch (manager.c behaviour)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from switchboard.fakepbx import events as ev
from switchboard.fakepbx.pbx import Pbx
from switchboard.fakepbx.wire import BANNER, Message, encode, header, read_request, response


@dataclass
class Request:
    """One action as the handlers see it."""

    pbx: Pbx
    session: AmiSession
    msg: Message
    action_id: str | None

    def get(self, key: str) -> str:
        """A header value, '' when absent."""
        return header(self.msg, key) or ""

    def reply(self, status: str, message: str | None = None, *extra: tuple[str, str]) -> None:
        """Write the Response for this action."""
        self.session.send(response(status, self.action_id, extra, message))


Handler = Callable[[Request], None]


# Actions of modules that load late in a boot: Asterisk answers them `Invalid/unknown command`
# until then (app_queue.so, res_manager_devicestate.so).
BOOTING_UNKNOWN = frozenset({"queuestatus", "queuesummary", "devicestatelist"})


class AmiServer:
    """Listens on a TCP port; every logged-in, events-on session receives the broadcast events."""

    def __init__(self, pbx: Pbx, handlers: dict[str, Handler]) -> None:
        self.pbx = pbx
        self.handlers = handlers
        self.sessions: set[AmiSession] = set()
        self.booted = True
        self.boot_at = 0.0
        self.refuse_until = 0.0  # new connections are closed at once until then
        self._server: asyncio.Server | None = None
        self.port = pbx.config.ami_port

    async def listen(self) -> None:
        """Start accepting connections (the first call fixes the port when 0 was asked)."""
        cfg = self.pbx.config
        self._server = await asyncio.start_server(self._accept, cfg.ami_host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop_listening(self) -> None:
        """Refuse new connections (ECONNREFUSED, as during a restart)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def broadcast(self, msg: Message) -> None:
        """Deliver one event to every session that wants events (and passes the filter)."""
        allowed = self.pbx.config.event_filter
        if allowed is not None and msg[0][1] not in allowed:
            return
        for s in list(self.sessions):
            if s.logged_in and s.events:
                s.send(msg)

    async def close_sessions(self) -> None:
        """Close every AMI socket (restart or a dropped engine connection)."""
        for s in list(self.sessions):
            s.close()
        self.sessions.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if asyncio.get_running_loop().time() < self.refuse_until:
            writer.close()
            return
        session = AmiSession(self, writer)
        self.sessions.add(session)
        writer.write(BANNER)
        try:
            while not session.closed:
                msg = await read_request(reader)
                if msg is None:
                    break
                await session.dispatch(msg)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.sessions.discard(session)
            session.close()


class AmiSession:
    """One AMI connection: login state, events flag and an ordered writer."""

    def __init__(self, server: AmiServer, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.writer = writer
        self.logged_in = False
        self.events = True
        self.closed = False

    def send(self, msg: Message) -> None:
        """Queue one message on the socket (never blocks the loop)."""
        if not self.closed and not self.writer.is_closing():
            self.writer.write(encode(msg))

    def close(self) -> None:
        """Close the socket."""
        self.closed = True
        with contextlib.suppress(OSError, RuntimeError):
            self.writer.close()

    async def dispatch(self, msg: Message) -> None:
        """Handle one action: login gate, case-insensitive action names, errors as in 01/13."""
        pbx = self.server.pbx
        aid = header(msg, "ActionID")
        action = header(msg, "Action")
        req = Request(pbx, self, msg, aid)
        if action is None:
            req.reply("Error", "Missing action in request")
            return
        name = action.lower()
        if name == "login":
            await self._login(req)
            return
        if name == "logoff":
            req.reply("Goodbye", "Thanks for all the fish.")
            self.close()
            return
        if not self.logged_in:
            req.reply("Error", "Permission denied")
            return
        handler = self.server.handlers.get(name)
        if not self.server.booted and name in BOOTING_UNKNOWN:
            handler = None  # their modules are not loaded yet (FACTS: login before FullyBooted)
        if handler is None:
            req.reply("Error", f"Invalid/unknown command: {action}. "
                               "Use Action: ListCommands to show available commands.")  # fmt: skip
            return
        handler(req)

    async def _login(self, req: Request) -> None:
        cfg = req.pbx.config
        if req.get("Username") != cfg.username or req.get("Secret") != cfg.secret:
            await asyncio.sleep(cfg.login_fail_delay_s)  # manager.c delays a failed login (1 s)
            req.reply("Error", "Authentication failed")
            self.close()
            return
        self.logged_in = True
        self.events = req.get("Events").lower() not in ("off", "no", "false", "0")
        req.reply("Success", "Authentication accepted")
        if self.events and self.server.booted:
            up = int(asyncio.get_running_loop().time() - self.server.boot_at)
            self.send(ev.fully_booted(up, up, at_login=True))


def ping(req: Request) -> None:
    """Ping: `Ping: Pong` and an epoch Timestamp with microseconds."""
    req.session.send(response("Success", req.action_id,
                              [("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")]))  # fmt: skip


def events(req: Request) -> None:
    """Events: EventMask off/on for this session."""
    on = req.get("EventMask").lower() not in ("off", "no", "false", "0")
    req.session.events = on
    req.session.send(response("Success", req.action_id, [("Events", "On" if on else "Off")]))
