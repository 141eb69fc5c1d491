"""The engine's configuration for the e2e suite, derived from examples/smaland.yaml."""

from __future__ import annotations

import io
import math
import struct
import subprocess
import sys
import wave
from pathlib import Path

from ruamel.yaml import YAML

from switchboard.config.loader import load_config
from switchboard.config.models import Config
from switchboard.core.state import Call
from switchboard.engine.app import Engine
from tests.conftest import EXAMPLE
from tests.e2e.harness import AMI_SECRET, RING_S, WRAPUP_S, Asterisk

VETLANDA = "4638397000"
SAVSJO = "4638215000"
EKSJO = "4638136000"
UNKNOWN = "4699999999"
HALDEN = "4769170000"
NASSJO = "4638068000"
NASSJO_PERMITS = "4638068050"
PARTNER_AFTER_S = 3  # vetlanda borrows savsjo's operators after this wait
STEP_S = 3  # savsjo offers a callback, halden sends to voicemail, after this wait
ANNOUNCE_S = 5  # vetlanda's callers hear position and wait this often
MENU_TIMEOUT_S = 3
# A tenant, a service with its own line and an operator that no hand-written file knows: the
# Asterisk configuration is written from this YAML alone.
NASSJO_TENANT = {
    "name": "Nässjö kommun",
    "tag": "NASSJO",
    "numbers": ["+4638068000"],
    "timezone": "Europe/Stockholm",
    "hours": {"mon-sun": "00:00-24:00"},
    "default_service": "switchboard",
    "services": {
        "switchboard": {"skills": ["vaxel"]},
        "permits": {"skills": ["bygglov"], "numbers": ["+4638068050"], "force": "closed"},
    },
}
GUSTAV = {
    "name": "Gustav Ås",
    "device": "PJSIP/1007",
    "home": "nassjo",
    "skills": {"vaxel": 3, "bygglov": 4},
}
RECORDINGS = {  # the tenants' own recordings in the e2e sounds (seconds of a quiet tone)
    "sv/eksjo-greeting.wav": 0.5,
    "sv/eksjo-menu.wav": 0.5,
    "sv/eksjo-school-transport.wav": 0.3,
}


def engine_config_text(pbx: Asterisk, tmp: Path) -> str:
    """examples/smaland.yaml, open around the clock, with test ports and these changes:

    - eksjo's menu waits MENU_TIMEOUT_S for a digit;
    - vetlanda's overflow borrows savsjo's operators after PARTNER_AFTER_S, and its callers
      hear position and wait every ANNOUNCE_S;
    - cecilia (1003, savsjo) no longer serves vetlanda directly, so she is only a partner;
    - savsjo offers a callback and halden sends to voicemail after STEP_S (requeue answers);
    - a new tenant nassjo (its permits line forced closed) and a new operator gustav (1007).
    """
    yaml = YAML(typ="safe")
    doc = yaml.load(EXAMPLE.read_text("utf-8"))
    doc["engine"] = {
        "country_code": "46",
        "agi": {"host": "127.0.0.1", "port": pbx.agi_port, "allowed_peers": ["127.0.0.1"]},
        "ami": {
            "host": "127.0.0.1",
            "port": pbx.ami_port,
            "username": "switchboard",
            "secret": AMI_SECRET,
            "keepalive_s": 2,
        },
        "http": {"host": "127.0.0.1", "port": 0},
        "store": {"path": str(tmp / "switchboard.db")},
    }
    doc["dispatch"] = {
        "offer_timeout_s": RING_S,
        "misses_before_pause": 2,
        "wrapup_s": WRAPUP_S,
        "handle_time_s": 150,
    }
    doc["tenants"]["nassjo"] = NASSJO_TENANT
    doc["agents"]["gustav"] = GUSTAV
    for tenant in doc["tenants"].values():
        tenant.pop("holidays", None)
        tenant["hours"] = {"mon-sun": "00:00-24:00"}
        tenant["special_days"] = {}
        for service in tenant["services"].values():
            service.pop("hours", None)
    doc["tenants"]["eksjo"]["menu"]["timeout_s"] = MENU_TIMEOUT_S
    doc["tenants"]["vetlanda"]["overflow"] = [{"after_s": PARTNER_AFTER_S, "partners": ["savsjo"]}]
    doc["tenants"]["vetlanda"]["announcements"] = {"every_s": ANNOUNCE_S}
    doc["agents"]["cecilia"]["tenants"] = []
    doc["tenants"]["savsjo"]["overflow"] = [{"after_s": STEP_S, "offer": "callback"}]
    doc["tenants"]["halden"]["overflow"] = [{"after_s": STEP_S, "action": "voicemail"}]
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def write_recordings(folder: Path) -> Path:
    """The tenants' recordings (RECORDINGS), 8 kHz 16-bit mono WAV, in the documented layout."""
    for name, seconds in RECORDINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frames = int(8000 * seconds)
        tone = b"".join(
            struct.pack("<h", int(800 * math.sin(2 * math.pi * 440 * i / 8000)))
            for i in range(frames)
        )
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(tone)
    return folder


def write_world(pbx: Asterisk, folder: Path) -> Path:
    """The session's configuration, written for `switchboard asterisk-config` (its store path
    is never used: every test runs the engine on a store of its own)."""
    path = folder / "e2e.yaml"
    path.write_text(engine_config_text(pbx, folder), "utf-8")
    return path


def engine_config(pbx: Asterisk, tmp: Path) -> Config:
    """The validated test configuration (also written to tmp/switchboard.yaml)."""
    path = tmp / "switchboard.yaml"
    path.write_text(engine_config_text(pbx, tmp), "utf-8")
    return load_config(path, {})


def start_engine_process(
    pbx: Asterisk, tmp: Path, yaml: Path | None = None
) -> subprocess.Popen[bytes]:
    """`switchboard run` as a subprocess (logging to tmp/engine.log), for killing it; on the
    test configuration, or on `yaml`."""
    engine_config(pbx, tmp)
    command = [
        sys.executable,
        "-c",
        "import sys; from switchboard.cli import main; sys.exit(main())",
        "run",
        "-c",
        str(yaml or tmp / "switchboard.yaml"),
        "--agi",
        f"127.0.0.1:{pbx.agi_port}",
        "--ami",
        f"127.0.0.1:{pbx.ami_port}",
        "--store",
        str(tmp / "engine.db"),
        "--log-level",
        "warning",
    ]
    with (tmp / "engine.log").open("ab") as log:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )


def call_from(engine: Engine, caller: str) -> Call | None:
    """The engine's live call from national number `caller` (e.g. 0701000001), if any."""
    e164 = "+46" + caller.lstrip("0")
    for call in engine.live.state.calls.values():
        if call.caller_num == e164:
            return call
    return None
