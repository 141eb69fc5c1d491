"""What the load benchmark reads back: when each caller's INVITE left and when an operator's 200
for that caller left (sipp's traces), what sipp counted as failed and why, and figures from
Asterisk's CLI and the engine's /metrics."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

_BLOCK = re.compile(r"^-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\n", re.M)
_FROM_USER = re.compile(r"^From:[^<\n]*<sip:([^@>;]+)", re.M | re.I)
_EXPECTED = re.compile(r"receive timeout on message .*, jumping to label")  # the caller's hold
_EVENT = re.compile(r"\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d{6}\t\d+\.\d+: ")


def when(stamp: str) -> float:
    """A sipp trace time (local, microseconds) as seconds since the epoch."""
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()


def caller_invites(short: Path, prefix: str) -> dict[str, float]:
    """Caller number -> when its first INVITE left, from a UAC's -trace_shortmsg file (tab
    separated: date, time, epoch, S/R, Call-ID `<call_number>-<pid>@host`, CSeq, first line)."""
    sent: dict[str, float] = {}
    if not short.exists():
        return sent
    for line in short.read_text("utf-8", "replace").splitlines():
        cols = line.split("\t")
        if len(cols) < 7 or cols[3] != "S" or not cols[6].startswith("INVITE "):
            continue
        number = prefix + cols[4].split("-", 1)[0]
        sent.setdefault(number, when(f"{cols[0]} {cols[1]}"))
    return sent


def placed_rate(invites: dict[str, float]) -> float:
    """Calls per second a caller sipp really placed, from its INVITEs' times."""
    times = sorted(invites.values())
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def operator_answers(traces: list[Path], offsets: list[int], prefix: str) -> dict[str, float]:
    """Caller number -> when an operator's first 200 to its INVITE left, from the operators'
    -trace_msg files read from `offsets` on (numbers not starting with `prefix` are skipped)."""
    answered: dict[str, float] = {}
    for trace, offset in zip(traces, offsets, strict=True):
        if not trace.exists():
            continue
        with trace.open("rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace").replace("\r\n", "\n")
        parts = _BLOCK.split(text)
        for stamp, block in zip(parts[1::2], parts[2::2], strict=True):
            head, _, message = block.partition("\n\n")
            if "sent" not in head or not message.startswith("SIP/2.0 200"):
                continue
            if not re.search(r"^CSeq:\s*\d+ INVITE", message, re.M | re.I):
                continue
            m = _FROM_USER.search(message)
            if m and m.group(1).startswith(prefix):
                answered.setdefault(m.group(1), when(stamp))
    return answered


def sipp_failures(stat: Path, errors: Path) -> tuple[int, list[str]]:
    """sipp's own count of failed calls (its last -trace_stat line) and the distinct reasons
    in its -trace_err file, the caller's timed hold (a timeout by design) left out."""
    failed = 0
    if stat.exists():
        lines = stat.read_text("utf-8", "replace").splitlines()
        if len(lines) >= 2:
            names, values = lines[0].split(";"), lines[-1].split(";")
            failed = int(dict(zip(names, values, strict=False)).get("FailedCall(C)", "0") or 0)
    reasons: dict[str, int] = {}
    if errors.exists():
        text = errors.read_text("utf-8", "replace")
        for event in _EVENT.split(text)[1:]:
            event = event.strip()
            if event and not _EXPECTED.search(event):
                reason = re.sub(r"Call-Id: \S+,?\s*", "", event)[:160]
                reasons[reason] = reasons.get(reason, 0) + 1
    return failed, [f"{n} x {reason}" for reason, n in sorted(reasons.items())]


def metric(text: str, name: str, label: str = "") -> float:
    """The sum of a metric's samples (`name` or `name_total`) whose labels contain `label`."""
    total = 0.0
    for m in re.finditer(rf"^{name}(?:_total)?(\{{[^}}]*\}})? (\S+)$", text, re.M):
        if label in (m.group(1) or ""):
            total += float(m.group(2))
    return total


def queue_members(queue_show: str) -> int:
    """How many members Asterisk's `queue show QUEUE` lists."""
    part = queue_show.split("Members:", 1)[1] if "Members:" in queue_show else ""
    return sum(1 for line in part.split("Callers:", 1)[0].splitlines() if "(" in line)


def queue_completed(queue_show: str) -> int:
    """The calls app_queue completed in a queue (`C:` of `queue show QUEUE`)."""
    m = re.search(r"\bC:(\d+)", queue_show)
    return int(m.group(1)) if m else 0
