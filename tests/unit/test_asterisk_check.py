"""The start-up check: what the engine routes to that Asterisk's snapshot does not show."""

from __future__ import annotations

from switchboard.config.compile import compile_topology
from switchboard.config.loader import load_config
from switchboard.core.topology import Absent, absent_from_asterisk
from tests.conftest import EXAMPLE

TOPO = compile_topology(load_config(EXAMPLE, {}))
QUEUES = [
    "vetlanda-switchboard",
    "savsjo-switchboard",
    "eksjo-switchboard",
    "eksjo-school-transport",
    "halden-switchboard",
    "switchboard-fallback",
]
DEVICES = [f"PJSIP/{n}" for n in range(1001, 1007)]


def test_a_matching_asterisk_lacks_nothing() -> None:
    # extra queues and devices (the trunk, Queue: pseudo-devices) are none of the engine's business
    absent = absent_from_asterisk(TOPO, [*QUEUES, "other"], [*DEVICES, "PJSIP/trunk", "Queue:x"])
    assert absent == Absent()
    assert not absent


def test_missing_queues_and_operator_devices_are_named() -> None:
    absent = absent_from_asterisk(TOPO, QUEUES[1:-1], DEVICES[:-1])
    assert absent.queues == ("vetlanda-switchboard", "switchboard-fallback")
    assert absent.devices == ("PJSIP/1006",)
    assert absent.describe() == (
        "Asterisk has no queue(s) vetlanda-switchboard, switchboard-fallback "
        "and no operator device(s) PJSIP/1006"
    )
