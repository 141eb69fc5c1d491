"""Write a complete Asterisk configuration into one directory Asterisk can run from.

    switchboard asterisk-config -c switchboard.yaml OUTDIR [options]
    asterisk -f -C OUTDIR/asterisk.conf

The templates (package data) are copied with their @PLACEHOLDERS@ filled in: scalar values
from the options and the YAML, and blocks generated from the YAML (queues, operators,
mailboxes, the dialplan's numbers and directory). OUTDIR/var/... holds the database, spool,
logs and control socket, OUTDIR/data links to the sounds and music on hold. Nothing outside
OUTDIR is written, so Asterisk runs as any user from any directory.
"""

from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from switchboard.asterisk.config import generate
from switchboard.asterisk.config.options import AsteriskOptions
from switchboard.asterisk.config.sounds import link, link_sounds
from switchboard.config.compile import compile_routing
from switchboard.config.models import Config

PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
GENERATED = "switchboard-generated.conf"
MODULE_DIRS = (
    "lib/asterisk/modules",
    "lib64/asterisk/modules",
    "lib/x86_64-linux-gnu/asterisk/modules",
    "lib/aarch64-linux-gnu/asterisk/modules",
)
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class OptionError(ValueError):
    """An option value Asterisk cannot take (the command exits with a usage error)."""


@dataclass
class Written:
    """What was written, and the secrets that were generated (to be shown once)."""

    outdir: Path
    files: list[str] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)


def write_asterisk_config(
    config: Config, source: str, outdir: Path, options: AsteriskOptions
) -> Written:
    """Write every file into `outdir`; OptionError for a value Asterisk cannot take."""
    outdir = outdir.resolve()
    modules = Path(options.modules) if options.modules else _find_modules(options.asterisk)
    if modules is None:
        raise OptionError("Asterisk modules not found; give --modules DIR")
    written = Written(outdir)
    values = _values(config, outdir, modules, options, written)
    for name, value in values.items():
        if any(c in value for c in "\r\n;"):
            raise OptionError(f"{name} must not contain CR, LF or ';'")
    table = compile_routing(config)
    blocks = {
        "QUEUES": generate.queues(table),
        "FALLBACK_MEMBERS": generate.fallback_members(config),
        "OPERATORS": generate.operators(config),
        "MAILBOXES": generate.mailboxes(config, values["VOICEMAIL_PIN"]),
        "EVENT_FILTERS": generate.event_filters(),
    }
    outdir.mkdir(parents=True, exist_ok=True)
    for template in sorted(_templates(), key=lambda t: t.name):
        text = template.read_text(encoding="utf-8")
        name = template.name
        filled = _fill_all(text, values, blocks, name)
        _write(outdir / name, filled, secret="SECRET" in text or "PIN" in text)
        written.files.append(name)
    _write(outdir / GENERATED, generate.dialplan(config, table, source), secret=False)
    written.files.append(GENERATED)
    for sub in ("var/lib", "var/spool", "var/run", "var/log", "agi-bin", "data"):
        (outdir / sub).mkdir(parents=True, exist_ok=True)
    recordings = Path(options.recordings) if options.recordings else None
    link_sounds(outdir / "data" / "sounds", Path(options.sounds), recordings)
    link(outdir / "data" / "moh", Path(options.moh))
    docs = _find_docs(modules)
    if docs is not None:
        link(outdir / "data" / "documentation", docs)
    return written


def _values(
    config: Config, outdir: Path, modules: Path, o: AsteriskOptions, written: Written
) -> dict[str, str]:
    engine = config.engine
    ami_secret = o.ami_secret or engine.ami.secret.get_secret_value()
    if not ami_secret:
        ami_secret = written.generated["AMI secret"] = secrets.token_hex(16)
    operator_secret = o.operator_secret
    if not operator_secret:
        operator_secret = written.generated["operator SIP password"] = secrets.token_hex(12)
    host = "127.0.0.1" if engine.agi.host in WILDCARD_HOSTS else engine.agi.host
    return {
        "DIR": str(outdir),
        "MODULES": str(modules),
        "SIP_HOST": o.sip_host,
        "SIP_PORT": str(o.sip_port),
        "AMI_PORT": str(o.ami_port if o.ami_port is not None else engine.ami.port),
        "AMI_USER": engine.ami.username,
        "AMI_SECRET": ami_secret,
        "OPERATOR_SECRET": operator_secret,
        "VOICEMAIL_PIN": o.voicemail_pin,
        "ENGINE": o.engine or f"{host}:{engine.agi.port}",
        "RTP_START": str(o.rtp_start),
        "RTP_END": str(o.rtp_start + o.rtp_ports - 1),
        "TRUNK_HOST": o.trunk_host,
        "TRUNK_PORT": str(o.trunk_port),
        "QUALIFY_S": str(o.qualify),
        "RING_S": str(config.dispatch.offer_timeout_s),
        "WRAPUP_S": str(config.dispatch.wrapup_s),
        "MAX_SLICE_S": str(o.max_slice),
        "FALLBACK_WAIT_S": str(o.fallback_wait),
        "TRANSFER_RING_S": str(o.transfer_ring),
        "VERBOSE": "3" if o.dialplan_trace else "0",
        "MESSAGES": "notice,warning,error,verbose" if o.dialplan_trace else "notice,warning,error",
    }


def _templates() -> list[Path]:
    folder = resources.files("switchboard.asterisk.config") / "templates"
    return [Path(str(t)) for t in folder.iterdir() if t.name.endswith(".conf")]


def _fill_all(text: str, values: dict[str, str], blocks: dict[str, str], name: str) -> str:
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in blocks:
            return blocks[key]
        if key not in values:
            raise OptionError(f"{name}: unknown placeholder @{key}@")
        return values[key]

    return PLACEHOLDER.sub(fill, text)


def _write(path: Path, text: str, *, secret: bool) -> None:
    path.write_text(text, encoding="utf-8")
    if secret:
        path.chmod(0o600)


def _find_modules(binary: str) -> Path | None:
    candidates = []
    exe = shutil.which(binary or "asterisk")
    if exe:
        prefix = Path(exe).resolve().parent.parent
        candidates += [prefix / d for d in MODULE_DIRS]
    candidates += [Path("/usr") / d for d in MODULE_DIRS]
    return next((c for c in candidates if (c / "app_queue.so").exists()), None)


def _find_docs(modules: Path) -> Path | None:
    prefix = modules.parents[2] if len(modules.parents) > 2 else modules
    for candidate in (
        prefix / "var/lib/asterisk/documentation",
        Path("/usr/share/asterisk/documentation"),
        Path("/var/lib/asterisk/documentation"),
    ):
        if candidate.is_dir():
            return candidate
    return None
