"""Throughput of our AMI parser (+ translator) vs panoramisk 1.4's parser on recorded bytes.

Run: /work/venv/bin/python bench/bench_ami.py [--messages 100000] [--chunk 4096]
Input: 16-load-burst/ami.rx (real Asterisk 22.10.1 bytes, 922 messages) repeated.
panoramisk is driven without sockets through AMIProtocol.data_received, as its Manager would.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from switchboard.asterisk.ami import AmiParser, Translator

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = Path(
    os.environ.get("SWITCHBOARD_RECORDINGS", ROOT.parent / "shared" / "asterisk-recordings")
)
BANNER_END = b"\r\n"


def load_stream(messages: int) -> tuple[bytes, int]:
    """Banner once, then the recorded body repeated to about `messages` messages."""
    raw = (RECORDINGS / "16-load-burst" / "ami.rx").read_bytes()
    cut = raw.index(BANNER_END) + 2
    banner, body = raw[:cut], raw[cut:]
    per_copy = len(AmiParser().feed(raw))
    copies = max(1, round(messages / per_copy))
    return banner + body * copies, per_copy * copies


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def run_ours(parts: list[bytes], translate: bool) -> int:
    parser = AmiParser(max_message_bytes=1 << 20)
    translator = Translator()
    count = 0
    for part in parts:
        for msg in parser.feed(part):
            count += 1
            if translate:
                translator.translate(msg)
    assert parser.errors == 0
    assert translator.error_count == 0
    return count


class _Factory:
    """The bits of panoramisk's Manager that AMIProtocol touches while parsing."""

    def __init__(self) -> None:
        self.events = 0
        self.save_stream = None
        self.forgetable_actions: tuple[str, ...] = ()
        self.awaiting_actions: list[Any] = []

    def dispatch(self, event: Any) -> list[str]:
        self.events += 1
        return []

    def connection_lost(self, exc: object) -> None:
        pass


class _Recorder(_Factory):
    def __init__(self, seen: list[Any]) -> None:
        super().__init__()
        self.seen = seen

    def dispatch(self, event: Any) -> list[str]:
        self.seen.append(event)
        return []


class _Transport:
    def close(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        pass


def panoramisk_protocol(factory: _Factory) -> Any:
    """panoramisk's AMIProtocol wired to `factory`, with no socket behind it."""
    from panoramisk.ami_protocol import AMIProtocol  # type: ignore[import-untyped]

    proto = AMIProtocol()
    proto.connection_made(_Transport())
    proto.factory = factory
    proto.encoding = "utf8"  # what panoramisk.Manager sets by default
    return proto


def run_panoramisk(parts: list[bytes]) -> int:
    factory = _Factory()
    proto = panoramisk_protocol(factory)
    for part in parts:
        proto.data_received(part)
    return factory.events


def best_of(runs: int, contenders: list[Callable[[], int]]) -> list[tuple[float, int]]:
    """Best time of each contender; rounds are interleaved so load spikes hit all alike."""
    best = [(float("inf"), 0) for _ in contenders]
    for _ in range(runs):
        for i, fn in enumerate(contenders):
            gc.collect()
            started = time.perf_counter()
            count = fn()
            best[i] = min(best[i], (time.perf_counter() - started, count))
    return best


def utf8_intact(chunk: int) -> tuple[int, int]:
    """How many of 16-load-burst's `Åsa Öberg` caller names survive `chunk`-byte reads."""
    raw = (RECORDINGS / "16-load-burst" / "ami.rx").read_bytes()
    parts = chunks(raw, chunk)
    ours = [m for p in (AmiParser(),) for part in parts for m in p.feed(part)]
    mine = sum(1 for m in ours if m.get("CallerIDName") == "Åsa Öberg")
    seen: list[Any] = []
    proto = panoramisk_protocol(_Recorder(seen))
    for part in parts:
        proto.data_received(part)
    theirs = sum(1 for e in seen if e.get("CallerIDName") == "Åsa Öberg")
    return mine, theirs


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--messages", type=int, default=100_000)
    args.add_argument("--chunk", type=int, default=4096, help="bytes per simulated read()")
    args.add_argument("--runs", type=int, default=5)
    opts = args.parse_args()

    data, expected = load_stream(opts.messages)
    parts = chunks(data, opts.chunk)
    print(
        f"input: 16-load-burst x{expected // 922}: {expected} messages, {len(data) / 1e6:.1f} MB, "
        f"{len(parts)} reads of {opts.chunk} B, best of {opts.runs}"
    )
    (t_parse, n1), (t_full, n2), (t_pan, n3) = best_of(
        opts.runs,
        [
            lambda: run_ours(parts, translate=False),
            lambda: run_ours(parts, translate=True),
            lambda: run_panoramisk(parts),
        ],
    )
    assert n1 == n2 == expected, (n1, n2, expected)
    rows = [
        ("switchboard parse", n1, t_parse),
        ("switchboard parse+translate", n2, t_full),
        ("panoramisk 1.4 parse+dispatch", n3, t_pan),
    ]
    for label, n, t in rows:
        print(f"  {label:31s} {n:7d} msgs  {t:6.3f} s  {n / t:10,.0f} msg/s")
    print(f"ratio parse / panoramisk:           {t_pan / t_parse:.2f}x")
    print(f"ratio parse+translate / panoramisk: {t_pan / t_full:.2f}x")
    for chunk in (1, 7):
        mine, theirs = utf8_intact(chunk)
        print(f"'Åsa Öberg' intact with {chunk}-byte reads: ours {mine}, panoramisk {theirs}")


if __name__ == "__main__":
    main()
