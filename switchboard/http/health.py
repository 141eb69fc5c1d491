"""`/healthz` (the event loop answers) and `/readyz` (every required check passes), as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

Probe = Callable[[], bool | tuple[bool, str]]
"""True/False, or (ok, detail); a probe that raises counts as failing."""
Section = Callable[[], Mapping[str, object]]


@dataclass(frozen=True, slots=True)
class Check:
    """One readiness check; a check that is not `required` is reported but never blocks."""

    name: str
    probe: Probe
    required: bool = True


class Readiness:
    """The checks behind /readyz and extra report sections (reload status, ...)."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}
        self.sections: dict[str, Section] = {}

    def add(self, name: str, probe: Probe, *, required: bool = True) -> None:
        """Add or replace check `name` (e.g. MQTT, reported but not required)."""
        self.checks[name] = Check(name, probe, required)

    def report(self, name: str, section: Section) -> None:
        """Add a section shown in the /readyz body that does not decide readiness."""
        self.sections[name] = section

    def evaluate(self) -> tuple[bool, dict[str, object]]:
        """(ready, the JSON body): ready when every required check passes."""
        checks: dict[str, object] = {}
        ready = True
        for check in self.checks.values():
            ok, detail = _run(check.probe)
            checks[check.name] = {"ok": ok, "required": check.required, "detail": detail}
            ready = ready and (ok or not check.required)
        body: dict[str, object] = {"ready": ready, "checks": checks}
        for name, section in self.sections.items():
            body[name] = dict(section())
        return ready, body


def routes(readiness: Readiness) -> list[web.RouteDef]:
    """GET /healthz and GET /readyz."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def readyz(_: web.Request) -> web.Response:
        ready, body = readiness.evaluate()
        return web.json_response(body, status=200 if ready else 503)

    return [web.get("/healthz", healthz), web.get("/readyz", readyz)]


def _run(probe: Probe) -> tuple[bool, str]:
    try:
        result = probe()
    except Exception as exc:
        return False, f"check failed: {type(exc).__name__}"
    if isinstance(result, tuple):
        return bool(result[0]), str(result[1])
    return bool(result), ""
