"""The sd_notify protocol: one datagram of `KEY=VALUE` lines to the socket in $NOTIFY_SOCKET.

See sd_notify(3): a path, or an abstract socket written with a leading `@`. The watchdog is on
when $WATCHDOG_USEC is set (and $WATCHDOG_PID, if set, is this process); the service must then
send WATCHDOG=1 more often than that, so the engine pings at half the interval.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping

import structlog

log = structlog.get_logger("switchboard.systemd")


class Notifier:
    """Sends notifications when run under systemd (Type=notify); does nothing otherwise."""

    def __init__(self, address: str | None = None, watchdog_usec: int | None = None) -> None:
        self.address = address or None
        self.watchdog_usec = watchdog_usec if watchdog_usec and watchdog_usec > 0 else None
        self.sent = 0
        self.failed = 0
        self._sock: socket.socket | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        """A notifier for $NOTIFY_SOCKET with the watchdog from $WATCHDOG_USEC/$WATCHDOG_PID."""
        env = os.environ if environ is None else environ
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        watchdog = int(usec) if usec.isdigit() else None
        if pid and (not pid.isdigit() or int(pid) != os.getpid()):
            watchdog = None  # meant for another process (e.g. a wrapper that exec'd us)
        return cls(env.get("NOTIFY_SOCKET"), watchdog)

    @property
    def enabled(self) -> bool:
        """True when a notification socket was given."""
        return self.address is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to send WATCHDOG=1 (half the service's WatchdogSec), or None when off."""
        if self.address is None or self.watchdog_usec is None:
            return None
        return self.watchdog_usec / 2_000_000

    def ready(self, status: str | None = None) -> bool:
        """READY=1: the service is up (and STATUS= when given)."""
        return self.notify("READY=1", *self._status(status))

    def reloading(self) -> bool:
        """RELOADING=1 with MONOTONIC_USEC (what Type=notify-reload also expects)."""
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.notify("RELOADING=1", f"MONOTONIC_USEC={usec}")

    def stopping(self) -> bool:
        """STOPPING=1: a graceful stop began."""
        return self.notify("STOPPING=1")

    def status(self, text: str) -> bool:
        """STATUS=: one line shown by `systemctl status`."""
        return self.notify(*self._status(text))

    def watchdog(self) -> bool:
        """WATCHDOG=1: the event loop is alive."""
        return self.notify("WATCHDOG=1")

    def notify(self, *lines: str) -> bool:
        """Send `lines` as one datagram; False when not under systemd or when sending failed."""
        if self.address is None or not lines:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sock.setblocking(False)  # never stall the loop; a lost ping is retried
            self._sock.sendto("\n".join(lines).encode(), target)
        except OSError as exc:
            self.failed += 1
            if self.failed == 1 or self.failed % 100 == 0:
                log.warning("sd_notify failed", socket=self.address, error=str(exc))
            return False
        self.sent += 1
        return True

    def close(self) -> None:
        """Close the socket (a later notification opens it again)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @staticmethod
    def _status(text: str | None) -> tuple[str, ...]:
        if not text:
            return ()
        return ("STATUS=" + " ".join(text.split()),)  # one line: no CR/LF can end the field
