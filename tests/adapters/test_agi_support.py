"""Helpers shared by the FastAGI tests (a running server, recorded sessions split in units)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from switchboard.asterisk.agi import AgiLimits, AgiServer, Handler
from switchboard.config.settings import AgiSettings

SESSIONS = (
    "04-fastagi-route/agi",
    "05-agi-hangup-during/agi",
    "06b-agi-engine-closes-after-headers/agi",
    "07-queue-redirect-deliver/agi",
    "07b-queue-withdraw/agi-1",
    "07b-queue-withdraw/agi-2",
    "11-queue-timeout/agi-1",
    "11-queue-timeout/agi-2",
    *(f"16-load-burst/agi/agi-{n:02d}" for n in range(1, 21)),
)


@asynccontextmanager
async def serving(
    handlers: Mapping[str, Handler],
    limits: AgiLimits | None = None,
    **settings: object,
) -> AsyncIterator[AgiServer]:
    """An AgiServer on an ephemeral loopback port, stopped afterwards."""
    server = AgiServer(
        AgiSettings.model_validate({"host": "127.0.0.1", "port": 0, **settings}),
        limits=limits,
        handlers=handlers,
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop(grace_s=2.0)


@dataclass(frozen=True)
class Recorded:
    """One recorded FastAGI session: header block, reply units (HANGUP alone), commands sent."""

    header: bytes
    units: tuple[bytes, ...]
    commands: tuple[bytes, ...]


def load_session(recordings: Path, name: str) -> Recorded:
    """Split `<name>.rx` / `<name>.tx` of a recording into protocol units."""
    rx = (recordings / f"{name}.rx").read_bytes()
    tx = (recordings / f"{name}.tx").read_bytes()
    header, _, rest = rx.partition(b"\n\n")
    units: list[bytes] = []
    block: list[bytes] = []
    for line in rest.split(b"\n")[:-1] if rest else []:
        block.append(line + b"\n")
        code = line[:4]
        if len(block) == 1 and len(code) == 4 and code[3:] == b"-":
            continue
        if len(block) > 1 and not line.startswith(block[0][:3] + b" "):
            continue
        units.append(b"".join(block))
        block = []
    assert not block, f"unterminated multi-line reply in {name}"
    return Recorded(header + b"\n\n", tuple(units), tuple(tx.splitlines(keepends=True)))
