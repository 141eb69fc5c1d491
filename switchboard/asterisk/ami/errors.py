"""Exceptions raised by the AMI client; all derive from AmiError."""

from __future__ import annotations

from switchboard.asterisk.ami.message import AmiMessage


class AmiError(Exception):
    """Any AMI client failure."""


class AmiAuthError(AmiError):
    """Login refused (`Response: Error`, `Message: Authentication failed`); not retried."""


class AmiNotConnected(AmiError):
    """An action was requested while the connection is down; nothing was sent."""


class AmiConnectionLost(AmiError):
    """The connection dropped before the reply; the action is NOT re-sent (it may have run)."""


class AmiActionTimeout(AmiError):
    """No reply within the action's timeout; the action may still have run."""


class AmiActionError(AmiError):
    """Asterisk answered `Response: Error`; `message` is its `Message` header."""

    def __init__(self, action: str, response: AmiMessage) -> None:
        self.action = action
        self.response = response
        self.message = response.get("Message") or ""
        super().__init__(f"{action} failed: {self.message}")
