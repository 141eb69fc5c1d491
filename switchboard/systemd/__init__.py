"""systemd integration: the sd_notify protocol (readiness, status, watchdog, reload, stop)."""

from switchboard.systemd.notify import Notifier

__all__ = ["Notifier"]
