"""The options of `switchboard asterisk-config`: where Asterisk listens and what it connects to.

What the YAML already says (queues, operators, ring and wrap-up times, the engine's and AMI's
addresses, the AMI user and its secret) is taken from it; the options only add what the YAML
does not know, or override an address for this Asterisk.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

DEFAULT_SOUNDS = "/usr/share/asterisk/sounds"
DEFAULT_MOH = "/usr/share/asterisk/moh"


@dataclass(frozen=True, slots=True)
class AsteriskOptions:
    """Everything besides the YAML that the written configuration needs."""

    sip_host: str = "127.0.0.1"
    sip_port: int = 5060
    ami_port: int | None = None  # default: engine.ami.port
    ami_secret: str = ""  # default: engine.ami.secret (SWITCHBOARD_AMI__SECRET), else generated
    operator_secret: str = ""  # default: generated
    voicemail_pin: str = "4711"
    engine: str = ""  # default: engine.agi host:port (a wildcard host becomes 127.0.0.1)
    rtp_start: int = 10000
    rtp_ports: int = 10000
    trunk_host: str = "127.0.0.1"
    trunk_port: int = 5060
    qualify: int = 30
    max_slice: int = 30
    fallback_wait: int = 120
    transfer_ring: int = 20
    asterisk: str = ""
    modules: str = ""
    sounds: str = DEFAULT_SOUNDS
    moh: str = DEFAULT_MOH
    recordings: str = ""  # the tenants' own recordings, laid out <lang>/<tenant>-<what>.<ext>
    dialplan_trace: bool = False  # every dialplan step in messages.log (about 15 kB a call)
    quiet: bool = False


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The command's arguments (`-c` is added by the caller)."""
    p.add_argument("outdir", help="directory to write the configuration into (created)")
    p.add_argument("--sip-host", default="127.0.0.1", help="SIP bind address")
    p.add_argument("--sip-port", type=int, default=5060)
    p.add_argument("--ami-port", type=int, default=None, help="AMI port (engine.ami.port)")
    p.add_argument("--ami-secret", default="", help="AMI secret (engine.ami.secret)")
    p.add_argument("--operator-secret", default="", help="SIP password of the operators")
    p.add_argument("--voicemail-pin", default="4711", help="PIN of the voicemail boxes")
    p.add_argument("--engine", default="", help="FastAGI HOST:PORT of the engine (engine.agi)")
    p.add_argument("--rtp-start", type=int, default=10000, help="first RTP port")
    p.add_argument("--rtp-ports", type=int, default=10000, help="size of the RTP port range")
    p.add_argument("--trunk-host", default="127.0.0.1", help="carrier address (inbound match)")
    p.add_argument("--trunk-port", type=int, default=5060, help="carrier SIP port (calls out)")
    p.add_argument("--qualify", type=int, default=30, help="operator OPTIONS interval, 0 = off")
    p.add_argument("--max-slice", type=int, default=30, help="longest Queue() wait slice, s")
    p.add_argument("--fallback-wait", type=int, default=120, help="fallback queue time, s")
    p.add_argument("--transfer-ring", type=int, default=20, help="seconds a transfer rings")
    p.add_argument("--asterisk", default="", help="asterisk binary (to find its modules)")
    p.add_argument("--modules", default="", help="Asterisk module directory")
    p.add_argument("--sounds", default=DEFAULT_SOUNDS, help="stock sounds directory")
    p.add_argument("--moh", default=DEFAULT_MOH, help="music on hold directory")
    p.add_argument(
        "--recordings", default="", help="the tenants' recordings: <lang>/<tenant>-<what>.<ext>"
    )
    p.add_argument(
        "--dialplan-trace",
        action="store_true",
        help="log every dialplan step to messages.log (verbose 3; about 15 kB a call)",
    )
    p.add_argument("-q", "--quiet", action="store_true")


def from_args(args: argparse.Namespace) -> AsteriskOptions:
    """The options parsed by `add_arguments`."""
    return AsteriskOptions(
        sip_host=args.sip_host,
        sip_port=args.sip_port,
        ami_port=args.ami_port,
        ami_secret=args.ami_secret,
        operator_secret=args.operator_secret,
        voicemail_pin=args.voicemail_pin,
        engine=args.engine,
        rtp_start=args.rtp_start,
        rtp_ports=args.rtp_ports,
        trunk_host=args.trunk_host,
        trunk_port=args.trunk_port,
        qualify=args.qualify,
        max_slice=args.max_slice,
        fallback_wait=args.fallback_wait,
        transfer_ring=args.transfer_ring,
        asterisk=args.asterisk,
        modules=args.modules,
        sounds=args.sounds,
        moh=args.moh,
        recordings=args.recordings,
        dialplan_trace=args.dialplan_trace,
        quiet=args.quiet,
    )
