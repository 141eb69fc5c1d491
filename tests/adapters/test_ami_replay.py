"""Replay every recorded AMI byte stream through the parser and translator (Asterisk 22.10.1)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from switchboard.asterisk.ami import AmiMessage, AmiParser, Translator
from switchboard.core.events import (
    AmiEvent,
    AsteriskBooted,
    AsteriskShutdown,
    BridgeEntered,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    ChannelHungUp,
    ChannelSeen,
    ContactStatusChanged,
    DeviceStateChanged,
    DialBegan,
    DialEnded,
    QueueListed,
    QueueMemberChanged,
    QueueMemberRemoved,
)
from tests.conftest import RECORDINGS

RECEIVED_END = re.compile(r"^\[\s*[\d.]+\] (?:(c\d+) )?<<<$")
STREAMS = sorted(str(p.relative_to(RECORDINGS)) for p in RECORDINGS.glob("*/ami*.rx"))


def expected_count(rx: Path) -> int:
    """Messages received on that connection: the empty `<<<` lines of ami.log."""
    conn = m.group(1) if (m := re.fullmatch(r"ami-(c\d+)\.rx", rx.name)) else None
    lines = (rx.parent / "ami.log").read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if (hit := RECEIVED_END.match(line)) and hit.group(1) == conn)


def parse_chunked(
    data: bytes, rng: random.Random, max_chunk: int
) -> tuple[list[AmiMessage], AmiParser]:
    parser = AmiParser()
    out: list[AmiMessage] = []
    i = 0
    while i < len(data):
        n = rng.randint(1, max_chunk)
        out += parser.feed(data[i : i + n])
        i += n
    return out, parser


def replay(recordings: Path, stream: str) -> list[tuple[AmiMessage, AmiEvent]]:
    translator = Translator()
    msgs, parser = parse_chunked((recordings / stream).read_bytes(), random.Random(7), 97)
    assert parser.errors == 0
    pairs = [(m, e) for m in msgs if (e := translator.translate(m)) is not None]
    assert translator.error_count == 0
    return pairs


def test_every_stream_is_present(recordings: Path) -> None:
    assert len(list(recordings.glob("*/ami*.rx"))) == len(STREAMS) >= 28


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("max_chunk", [1, 7, 4096])
def test_replay_counts_match_log(recordings: Path, stream: str, max_chunk: int) -> None:
    rx = recordings / stream
    msgs, parser = parse_chunked(rx.read_bytes(), random.Random(stream), max_chunk)
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert parser.errors == 0
    assert len(msgs) == expected_count(rx) > 0
    assert not parser._buf  # every recorded stream ends on a message boundary
    translator = Translator()
    for m in msgs:
        translator.translate(m)
    assert translator.error_count == 0, translator.errors


def test_07_redirect_delivery(recordings: Path) -> None:
    events = [e for _, e in replay(recordings, "07-queue-redirect-deliver/ami.rx")]
    [join] = [e for e in events if isinstance(e, CallerJoined)]
    assert (join.queue, join.position, join.caller_name) == ("vetlanda", 1, "Åsa Öberg")
    assert join.linkedid == join.uniqueid == "1795345584.0"
    [began] = [e for e in events if isinstance(e, DialBegan)]
    assert began.dest_channel.startswith("PJSIP/1001-")
    assert began.channel == "PJSIP/inbound-00000000"
    [ended] = [e for e in events if isinstance(e, DialEnded)]
    assert ended.status == "ANSWER"
    entered = [e for e in events if isinstance(e, BridgeEntered)]
    assert len(entered) == 2
    assert len({e.bridge for e in entered}) == 1
    hungup = [e for e in events if isinstance(e, ChannelHungUp)]
    assert {h.channel for h in hungup} == {"PJSIP/inbound-00000000", began.dest_channel}
    [abandon] = [e for e in events if isinstance(e, CallerAbandoned)]  # a Redirect counts
    [left] = [e for e in events if isinstance(e, CallerLeft)]
    assert events.index(abandon) < events.index(left) < events.index(began)
    assert DeviceStateChanged("PJSIP/1001", "RINGING") in events


def test_03_agent_lifecycle(recordings: Path) -> None:
    pairs = replay(recordings, "03-agent-lifecycle/ami.rx")
    events = [e for _, e in pairs]
    assert ContactStatusChanged("1001", "sip:1001@127.0.0.1:25070", "NonQualified") in events
    assert ContactStatusChanged("1001", "sip:1001@127.0.0.1:25070", "Removed") in events
    paused = [e for e in events if isinstance(e, QueueMemberChanged) and e.paused]
    assert paused
    assert {(e.queue, e.interface, e.reason) for e in paused} == {
        ("support", "PJSIP/1001", "lunch")
    }
    # the QueueStatus item (Location/Name fields) translates to the same shape as the event
    [item] = [e for m, e in pairs if m.event == "QueueMember"]
    assert item == paused[0]
    assert QueueMemberRemoved("support", "PJSIP/1001") in events


def test_14_restart_shutdown_then_uptime_zero(recordings: Path) -> None:
    first = [e for _, e in replay(recordings, "14-asterisk-restart/ami-c1.rx")]
    assert first == [AsteriskBooted(uptime_s=1), AsteriskShutdown(restart=True)]
    second = [e for _, e in replay(recordings, "14-asterisk-restart/ami-c2.rx")]
    assert second == [AsteriskBooted(uptime_s=0)]


def test_17_snapshot_lists_are_collected_by_action_id(recordings: Path) -> None:
    msgs, _ = parse_chunked(
        (recordings / "17-snapshot-busy/ami.rx").read_bytes(), random.Random(1), 1
    )
    lists: dict[str, list[AmiMessage]] = {}
    for m in msgs:
        if m.action_id and not m.is_broadcast and m.event:
            lists.setdefault(m.action_id, []).append(m)
    for items in lists.values():
        *body, complete = items
        assert complete.get("EventList") == "Complete"
        assert int(complete["ListItems"]) == len(body)
    translator = Translator()
    snap = {aid: [translator.translate(m) for m in items[:-1]] for aid, items in lists.items()}
    assert translator.error_count == 0
    queues = [e.queue for e in snap["17-04-queuestatus"] if isinstance(e, QueueListed)]
    assert sorted(queues) == ["classic", "support", "vetlanda"]  # from QueueParams items
    [entry] = [e for e in snap["17-04-queuestatus"] if isinstance(e, CallerJoined)]
    assert (entry.position, entry.wait_s, entry.linkedid) == (1, 2, None)
    channels = snap["17-06-coreshowchannels"]
    assert all(isinstance(c, ChannelSeen) for c in channels)
    assert sorted(c.application for c in channels if isinstance(c, ChannelSeen)) == [
        "AppDial",
        "Dial",
        "Queue",
    ]
    assert DeviceStateChanged("PJSIP/1001", "INUSE") in snap["17-07-devicestatelist"]
    contacts = snap["17-08-pjsipshowcontacts"]
    assert {c.aor for c in contacts if isinstance(c, ContactStatusChanged)} == {"1001", "1002"}


def test_caller_name_utf8_survives_one_byte_reads(recordings: Path) -> None:
    data = (recordings / "04-fastagi-route/ami.rx").read_bytes()
    msgs, _ = parse_chunked(data, random.Random(3), 1)
    names = {m["CallerIDName"] for m in msgs if "CallerIDName" in m}
    assert "Åsa Öberg" in names
    assert all("\ufffd" not in n for n in names)


def test_13_originate_dial_without_calling_channel_is_skipped(recordings: Path) -> None:
    msgs, _ = parse_chunked(
        (recordings / "13-originate-and-errors/ami.rx").read_bytes(), random.Random(5), 50
    )
    dials = [m for m in msgs if m.event in ("DialBegin", "DialEnd")]
    assert dials
    assert all("Channel" not in m for m in dials)
    translator = Translator()
    assert [translator.translate(m) for m in dials] == [None] * len(dials)
    assert translator.error_count == 0
