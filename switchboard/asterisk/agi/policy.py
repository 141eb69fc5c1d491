"""Server policy as plain data: limits and timeouts, counters, the peer allowlist."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgiLimits:
    """Protocol limits and timeouts that are not part of the user configuration."""

    header_timeout_s: float = 1.0
    command_timeout_s: float = 30.0  # a command may use the whole session deadline unless lower
    drain_timeout_s: float = 1.0
    max_header_bytes: int = 8192  # the whole header block, and any reply line
    backlog: int = 1024


@dataclass(slots=True)
class AgiStats:
    """Plain counters (for Prometheus later); `active` is the number of held session slots."""

    accepted: int = 0
    refused_peer: int = 0
    refused_busy: int = 0
    evicted: int = 0
    sessions: int = 0
    answered: int = 0
    errors: int = 0
    timeouts: int = 0
    hangups: int = 0
    active: int = 0


class PeerAllowlist:
    """Addresses or networks (`127.0.0.1`, `::1`, `10.0.0.0/8`) allowed to open sessions."""

    def __init__(self, peers: Iterable[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(p, strict=False) for p in peers)
        self._seen: dict[str, bool] = {}  # the few hosts that connect, each parsed once

    def admits(self, host: str) -> bool:
        """True when `host` (as in a peername, maybe IPv4-mapped or with a %zone) is allowed."""
        known = self._seen.get(host)
        if known is None:
            known = self._check(host)
            if len(self._seen) < 1024:
                self._seen[host] = known
        return known

    def _check(self, host: str) -> bool:
        try:
            addr = ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            return False
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        return any(addr in net for net in self.networks)
