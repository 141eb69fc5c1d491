"""Asterisk Manager Interface: wire protocol, supervised client and typed-event translator."""

from switchboard.asterisk.ami.backoff import Backoff
from switchboard.asterisk.ami.client import AmiClient, ClientStats, Subscription
from switchboard.asterisk.ami.connection import AmiConnection, ConnectionStats
from switchboard.asterisk.ami.errors import (
    AmiActionError,
    AmiActionTimeout,
    AmiAuthError,
    AmiConnectionLost,
    AmiError,
    AmiNotConnected,
)
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.asterisk.ami.options import AmiOptions
from switchboard.asterisk.ami.protocol import AmiEncodeError, AmiParser, encode_action
from switchboard.asterisk.ami.translate import Translator

__all__ = [
    "AmiActionError",
    "AmiActionTimeout",
    "AmiAuthError",
    "AmiClient",
    "AmiConnection",
    "AmiConnectionLost",
    "AmiEncodeError",
    "AmiError",
    "AmiMessage",
    "AmiNotConnected",
    "AmiOptions",
    "AmiParser",
    "Backoff",
    "ClientStats",
    "ConnectionStats",
    "Subscription",
    "Translator",
    "encode_action",
]
