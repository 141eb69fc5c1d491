"""Bearer tokens to principals, and what each principal may read and act on.

Every configured token is compared in constant time (hmac.compare_digest), all of them each
time, so the answer's timing tells nothing about how close a guess was.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from switchboard.config.api import ROLES, ApiSettings
from switchboard.config.models import Config

READERS = frozenset(ROLES)
AGENT_ACTORS = frozenset({"operator", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})
ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the token's name, role, the tenants it sees (None: all) and its agent."""

    name: str
    role: str
    tenants: frozenset[str] | None
    agent: str | None = None

    def reads(self, tenant: str) -> bool:
        """True when this principal may see `tenant`'s figures and calls."""
        return self.tenants is None or tenant in self.tenants

    def reads_any(self, tenants: tuple[str, ...]) -> bool:
        """True when it may see one of `tenants` (an agent serving them, say)."""
        return self.tenants is None or any(t in self.tenants for t in tenants)

    def acts_on_tenant(self, tenant: str) -> bool:
        """Force a tenant open or closed, handle its calls: its supervisors and admins."""
        if self.role == "admin":
            return True
        return self.role == "supervisor" and self.tenants is not None and tenant in self.tenants

    def acts_on_agent(self, agent: str, home: str) -> bool:
        """Log in, log out, pause: the operator itself, its home tenant's supervisors, admins."""
        if self.role == "operator":
            return self.agent == agent
        return self.acts_on_tenant(home)


def authenticate(
    header: str | None, peer: str | None, config: Config, loopback_server: bool
) -> Principal | None:
    """The principal of an `Authorization: Bearer ...` header (None: no or an unknown token).

    Without a header, a loopback client may read as `anonymous` when the server listens on
    loopback only and `engine.api.loopback_read` allows it (by default: while no token is set).
    """
    api = config.engine.api
    if header is None:
        return _anonymous(api, peer, loopback_server)
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    found = match(value.strip(), api)
    if found is None:
        return None
    token = api.tokens[found]
    tenants: frozenset[str] | None = None
    if token.tenants is not None:
        tenants = frozenset(token.tenants)
    elif token.agent is not None:
        agent = config.agents.get(token.agent)
        tenants = frozenset(agent.serves) if agent is not None else frozenset()
    return Principal(found, token.role, tenants, token.agent)


def match(value: str, api: ApiSettings) -> str | None:
    """The name of the token equal to `value`, comparing with every token in constant time."""
    given = value.encode("utf-8", "surrogateescape")
    found: str | None = None
    for name, token in api.tokens.items():
        secret = token.token.get_secret_value().encode() if token.token is not None else b""
        if hmac.compare_digest(given, secret) and secret:
            found = name
    return found


def open_read(api: ApiSettings) -> bool:
    """Whether loopback clients may read without a token."""
    return not api.tokens if api.loopback_read is None else api.loopback_read


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def agents_for(principal: Principal, homes: Mapping[str, str]) -> list[str]:
    """The agents (id -> home) this principal may log in, out and pause."""
    if principal.role not in AGENT_ACTORS:
        return []
    return [a for a, home in homes.items() if principal.acts_on_agent(a, home)]


def _anonymous(api: ApiSettings, peer: str | None, loopback_server: bool) -> Principal | None:
    if loopback_server and open_read(api) and is_loopback(peer):
        return Principal(ANONYMOUS, "wallboard", None)
    return None
