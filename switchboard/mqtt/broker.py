"""The broker side: the topic tree (docs/events.md), the client (identity, last will, TLS) and
its lifecycle helpers."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import ssl
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import aiomqtt
import structlog

from switchboard.config.settings import MqttSettings, MqttTls
from switchboard.views.changes import Subject

ONLINE = b"online"
OFFLINE = b"offline"


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names; ids are configuration ids and queue names, which never hold / + or #."""

    prefix: str

    @property
    def status(self) -> str:
        """Retained `online`/`offline`; `offline` is also the broker's last will."""
        return f"{self.prefix}/engine/status"

    def state(self, subject: Subject) -> str:
        """The retained topic of a tenant, queue, agent, the overview or the configuration."""
        kind, key = subject
        if kind == "overview":
            return f"{self.prefix}/overview/state"
        if kind == "config":
            return f"{self.prefix}/engine/config"
        return f"{self.prefix}/{kind}/{key}/state"

    def call_event(self, tenant: str, event: str) -> str:
        """Where a call event is published (not retained)."""
        return f"{self.prefix}/events/call/{tenant}/{event}"


PAHO_LOG = logging.getLogger("switchboard.mqtt.paho")
LINK_ERRORS = (aiomqtt.MqttError, OSError)
LEAVE_S = 1.0  # wait this long for the broker to acknowledge a disconnect
IN_FLIGHT = 20  # publishes awaiting their acknowledgement at once (paho's QoS 1 window)
log = structlog.get_logger("switchboard.mqtt")


def client_id(settings: MqttSettings) -> str:
    """The configured client id, else `switchboard-<host name>` (a standby engine differs)."""
    if settings.client_id is not None:
        return settings.client_id
    return ("switchboard-" + re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname()))[:64]


def broker(settings: MqttSettings) -> str:
    """`host:port` for logs and health (never the credentials)."""
    return f"{settings.host}:{settings.port}"


class _ClosingSSLSocket(ssl.SSLSocket):
    """An SSL socket that closes itself when its handshake fails."""

    def do_handshake(self, block: bool = False) -> None:
        """Handshake; on failure close the socket, which paho 2.x would leave open (leaked)."""
        try:
            super().do_handshake(block)
        except BaseException:
            self.close()
            raise


def tls_context(tls: MqttTls) -> ssl.SSLContext:
    """An SSL context for the broker (reads files: call it off the event loop)."""
    context = ssl.create_default_context(cafile=tls.ca_file)
    context.sslsocket_class = _ClosingSSLSocket
    if tls.cert_file is not None:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    if tls.insecure:
        context.check_hostname = False
    return context


def new_client(
    settings: MqttSettings, topics: Topics, context: ssl.SSLContext | None
) -> aiomqtt.Client:
    """A client with `offline` as its retained last will; call inside the running loop."""
    password = settings.password.get_secret_value() if settings.password is not None else None
    options: dict[str, Any] = {}
    if context is not None:
        options["tls_context"] = context
        options["tls_insecure"] = settings.tls is not None and settings.tls.insecure
    client = aiomqtt.Client(
        settings.host,
        settings.port,
        username=settings.username,
        password=password,
        identifier=client_id(settings),
        will=aiomqtt.Will(topics.status, OFFLINE, qos=settings.qos, retain=True),
        keepalive=settings.keepalive_s,
        timeout=settings.timeout_s,
        logger=PAHO_LOG,
        **options,
    )
    client.pending_calls_threshold = 4 * IN_FLIGHT  # it warns past this many publishes at once
    return client


async def cancellable(work: Coroutine[Any, Any, None], grace_s: float) -> None:
    """Run `work` in a task that a cancel really stops: on Python 3.11 a cancel that meets a
    finished publish inside asyncio.wait_for is lost, so it is repeated (gh-86296)."""
    task = asyncio.create_task(work, name="mqtt-session")
    try:
        await asyncio.wait({task})
    except asyncio.CancelledError:
        for _ in range(3):
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=grace_s)
            if done:
                if not task.cancelled():
                    task.exception()  # retrieved: the stop is what matters now
                break
        raise
    task.result()


async def watch(client: aiomqtt.Client) -> None:
    """Wait until the connection drops, then raise MqttError (nothing is subscribed)."""
    async for _ in client.messages:
        pass


async def leave(client: aiomqtt.Client) -> None:
    """Disconnect within LEAVE_S, or give up on a dead link; never raises."""
    try:
        async with asyncio.timeout(LEAVE_S):
            await client.__aexit__(None, None, None)
    except (*LINK_ERRORS, TimeoutError) as exc:
        log.debug("mqtt: disconnect after a broken link", error=str(exc))
        abandon(client)


def abandon(client: aiomqtt.Client) -> None:
    """Forget a client whose link is dead; paho closes its socket on its own timeouts."""
    # aiomqtt sets this future's exception whenever paho notices the end of the link (a hung
    # broker: at paho's keepalive, or when the broker wakes up). Nobody awaits an abandoned
    # client, so retrieve it here, else asyncio logs "Future exception was never retrieved".
    client._disconnected.add_done_callback(lambda f: f.cancelled() or f.exception())
    if client._connected.cancelled():  # a stop during the connect cancelled it; aiomqtt's
        client._connected = asyncio.get_running_loop().create_future()  # on_disconnect reads it
