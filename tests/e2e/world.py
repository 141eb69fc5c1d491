"""The engine's configuration for the e2e suite, derived from examples/smaland.yaml."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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
PARTNER_AFTER_S = 3  # vetlanda borrows savsjo's operators after this wait
STEP_S = 3  # savsjo offers a callback, halden sends to voicemail, after this wait


def engine_config_text(pbx: Asterisk, tmp: Path) -> str:
    """examples/smaland.yaml, open around the clock, with test ports and three changes.

    - eksjo has today as a closed special day (a closed decision now, whatever the date);
    - vetlanda's overflow borrows savsjo's operators after PARTNER_AFTER_S;
    - cecilia (1003, savsjo) no longer serves vetlanda directly, so she is only a partner;
    - savsjo offers a callback and halden sends to voicemail after STEP_S (requeue answers).
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
    doc["dispatch"] = {"offer_timeout_s": RING_S, "misses_before_pause": 2, "wrapup_s": WRAPUP_S}
    for tenant in doc["tenants"].values():
        tenant.pop("holidays", None)
        tenant["hours"] = {"mon-sun": "00:00-24:00"}
        tenant["special_days"] = {}
        for service in tenant["services"].values():
            service.pop("hours", None)
    eksjo = doc["tenants"]["eksjo"]
    today = datetime.now(ZoneInfo(eksjo["timezone"])).date().isoformat()
    eksjo["special_days"] = {today: "closed"}
    doc["tenants"]["vetlanda"]["overflow"] = [{"after_s": PARTNER_AFTER_S, "partners": ["savsjo"]}]
    doc["agents"]["cecilia"]["tenants"] = []
    doc["tenants"]["savsjo"]["overflow"] = [{"after_s": STEP_S, "offer": "callback"}]
    doc["tenants"]["halden"]["overflow"] = [{"after_s": STEP_S, "action": "voicemail"}]
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


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


def start_engine_process(pbx: Asterisk, tmp: Path) -> subprocess.Popen[bytes]:
    """`switchboard run` as a subprocess (logging to tmp/engine.log), for killing it."""
    engine_config(pbx, tmp)
    command = [
        sys.executable,
        "-c",
        "import sys; from switchboard.cli import main; sys.exit(main())",
        "run",
        "-c",
        str(tmp / "switchboard.yaml"),
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
