"""Connection options for the AMI client, built from the config's AmiSettings."""

from __future__ import annotations

from dataclasses import dataclass, field

from switchboard.asterisk.ami.protocol import DEFAULT_MAX_MESSAGE_BYTES
from switchboard.config.settings import AmiSettings


@dataclass(frozen=True, slots=True)
class AmiOptions:
    """Where and how to reach AMI; a half-open link is noticed within ping_interval + ping_timeout."""

    host: str
    port: int
    username: str
    secret: str = field(repr=False)  # never in a log line or a traceback
    connect_timeout: float = 3.0
    # A failed login is answered only after ~1 s (FACTS: AMI), so keep this well above 1 s.
    login_timeout: float = 5.0
    action_timeout: float = 5.0
    ping_interval: float = 4.0
    ping_timeout: float = 4.0
    read_size: int = 65536
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES

    def __post_init__(self) -> None:
        if self.login_timeout <= 1.0:
            raise ValueError("login_timeout must exceed 1 s: Asterisk delays a failed login by 1 s")
        if (
            min(self.connect_timeout, self.action_timeout, self.ping_interval, self.ping_timeout)
            <= 0
        ):
            raise ValueError("AMI timeouts and the ping interval must be positive")

    @classmethod
    def from_settings(cls, settings: AmiSettings) -> AmiOptions:
        """Options from the validated configuration (keepalive_s is both interval and timeout)."""
        return cls(
            host=settings.host,
            port=settings.port,
            username=settings.username,
            secret=settings.secret.get_secret_value(),
            action_timeout=settings.action_timeout_s,
            ping_interval=settings.keepalive_s,
            ping_timeout=settings.keepalive_s,
        )
