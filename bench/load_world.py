"""What the load benchmark runs on a real Asterisk: the engine's YAML (one tenant open around
the clock, operators op01.. on PJSIP/2001..), the caller's scenario and the audio it sends."""

from __future__ import annotations

import os
import struct
from pathlib import Path

SIPP = Path(__file__).resolve().parent / "sipp"
DIALLED = "4638397000"  # the tenant's number as the trunk delivers it
TENANT_QUEUE = "vetlanda-switchboard"  # the engine's name for the tenant's waiting queue
HOLD_MS = 1000  # a caller hangs up this long after the answer


def world_yaml(
    operators: list[str], agi: int, ami: int, secret: str, http: int, store: Path
) -> str:
    """The engine's configuration: wrap-up 0, a short offer timeout, every operator at home."""
    agents = "\n".join(
        f"  op{i + 1:02d}: {{name: Operator {i + 1:02d}, device: PJSIP/{ep}, home: vetlanda,"
        " skills: {vaxel: 3}}"
        for i, ep in enumerate(operators)
    )
    return f"""\
engine:
  country_code: "46"
  agi: {{host: 127.0.0.1, port: {agi}, allowed_peers: [127.0.0.1]}}
  ami: {{host: 127.0.0.1, port: {ami}, username: switchboard, secret: {secret}, keepalive_s: 2}}
  http: {{host: 127.0.0.1, port: {http}}}
  store: {{path: "{store}"}}
dispatch: {{offer_timeout_s: 5, misses_before_pause: 2, wrapup_s: 0, handle_time_s: 60}}
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+{DIALLED}"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
agents:
{agents}
"""


def caller_scenario(folder: Path) -> tuple[Path, str]:
    """The caller's sipp scenario written into `folder`, and how its callers send audio.

    On the 200 a phone starts sending RTP; the dialplan's Answer() returns at the first frame.
    sipp's play_pcap_audio sends at once but needs a raw socket (root); its rtp_stream started
    40-120 ms late here, so without root the callers send nothing and Answer() waits its
    500 ms in both paths alike.
    """
    media = ""
    how = "no audio (not root: Answer() waits 500 ms in both paths)"
    if os.geteuid() == 0:
        pcap = folder / "silence.pcap"
        pcap.write_bytes(silence_pcap())
        media = f'<action><exec play_pcap_audio="{pcap}"/></action>'
        how = "60 ms of audio from the 200 on (play_pcap_audio)"
    text = (SIPP / "caller-load.xml.in").read_text("utf-8")
    text = text.replace("@MEDIA@", media).replace("@HOLD_MS@", str(HOLD_MS))
    scenario = folder / "caller-load.xml"
    scenario.write_text(text, "utf-8")
    return scenario, how


def silence_pcap(packets: int = 3) -> bytes:
    """A pcap of `packets` RTP packets of 20 ms A-law silence (sipp replaces the addresses and
    ports with the call's own)."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
    for i in range(packets):
        rtp = struct.pack("!BBHII", 0x80, 8, i + 1, 160 * i, 0x5B0A2D) + b"\xd5" * 160
        udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
            bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]),
        ) + udp  # fmt: skip
        frame = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + ip
        micros = i * 20_000
        out += struct.pack("<IIII", 0, micros, len(frame), len(frame)) + frame
    return bytes(out)
