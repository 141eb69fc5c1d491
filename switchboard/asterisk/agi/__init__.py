"""FastAGI: the protocol (pure) and the asyncio server (the scripts are in engine/handlers)."""

from switchboard.asterisk.agi.commands import (
    AgiCommandError,
    AgiReply,
    ReplyReader,
    format_command,
    parse_reply,
    quote_arg,
)
from switchboard.asterisk.agi.policy import AgiLimits, AgiStats, PeerAllowlist
from switchboard.asterisk.agi.request import (
    AgiProtocolError,
    AgiRequest,
    parse_header_line,
    parse_request,
)
from switchboard.asterisk.agi.server import AgiServer, Handler
from switchboard.asterisk.agi.session import AgiHangupError, AgiSession

__all__ = [
    "AgiCommandError",
    "AgiHangupError",
    "AgiLimits",
    "AgiProtocolError",
    "AgiReply",
    "AgiRequest",
    "AgiServer",
    "AgiSession",
    "AgiStats",
    "Handler",
    "PeerAllowlist",
    "ReplyReader",
    "format_command",
    "parse_header_line",
    "parse_reply",
    "parse_request",
    "quote_arg",
]
