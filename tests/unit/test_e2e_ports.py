"""The e2e phones' ports: a sipp binds them only when it starts, so the harness must never hand
out a media block holding a SIP port it promised, nor the other way round (a caller whose audio
port was its own SIP port could not bind and never called)."""

from __future__ import annotations

import pytest

from tests.e2e import harness


def test_a_media_block_never_holds_a_sip_port_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    sip = harness.free_sip_port()
    real, first = harness.free_port, [sip]  # the first candidate is the SIP port itself
    monkeypatch.setattr(harness, "free_port", lambda *a: first.pop() if first else real(*a))
    media = harness.free_udp_pair()
    assert not media <= sip < media + 4


def test_a_sip_port_is_never_inside_a_media_block_handed_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    media = harness.free_udp_pair()
    real, first = harness.free_port, [media + 1]  # the first candidate lies in the media block
    monkeypatch.setattr(harness, "free_port", lambda *a: first.pop() if first else real(*a))
    sip = harness.free_sip_port()
    assert not media <= sip < media + 4
