"""Monthly report speed: SQL aggregation in the store vs the figures module over records in memory.

Run: python bench/bench_reports.py [--calls 1000000] [--no-postgresql] [--python-on-postgresql]
Figures: one month (October 2026, which has a 25-hour day) of synthetic call records over 20
tenants and 200 operators, bulk-loaded into SQLite and into a throwaway PostgreSQL (started as
the tests start theirs; skipped with the reason when none starts). Printed: the time and peak
memory of `switchboard report`'s figures with the answered-by matrix (SQL) on each database,
and of the straightforward way, every record of the month read through the store and
`figures()` run over them in Python (on SQLite; also on PostgreSQL when asked), the ratios,
and whether both ways give equal figures. Each measurement runs in a fresh process, so its
peak memory is its own. About 3.5 minutes for a million calls on 2 cores (5 with
--python-on-postgresql).
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.postgres: the same server

from switchboard.config.loader import parse_config
from switchboard.config.models import Config
from switchboard.reports import AgentInterval, Figures, figures
from switchboard.reports.command import settings_for
from switchboard.reports.stored import stored_figures
from switchboard.store.schema import call_offers, calls
from switchboard.store.store import Store
from tests.postgres import fresh_database, postgres_server

TENANTS, PER_TENANT = 20, 10
FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
ZONES = ("Europe/Stockholm",) * 16 + ("Europe/London", "Europe/Helsinki") * 2


def world() -> Config:
    """20 tenants in a ring of partners, 10 home operators each, a price per handled minute."""
    lines = ["reports: {short_abandon_s: 5, price_per_minute: 4.5, currency: SEK}", "tenants:"]
    for i in range(TENANTS):
        lines += [
            f"  t{i:02d}:",
            f"    name: Tenant {i}",
            f"    tag: T{i:02d}",
            f'    numbers: ["+46100{i:02d}0000"]',
            f"    timezone: {ZONES[i]}",
            '    hours: {mon-fri: "07:00-18:00"}',
            "    services: {main: {target_answer_s: 30}, permits: {menu_digit: '2'}}",
            f"    overflow: [{{after_s: 30, partners: [t{(i + 1) % TENANTS:02d}]}}]",
        ]
    lines.append("agents:")
    for i in range(TENANTS):
        for j in range(PER_TENANT):
            n = i * PER_TENANT + j
            lines.append(f"  op{n:03d}: {{device: PJSIP/{2000 + n}, home: t{i:02d}}}")
    return parse_config("\n".join(lines) + "\n", "bench.yaml", {})


def synthetic(n: int, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """`n` ended calls of the month (integer seconds) and their offers, as table rows."""
    rnd = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=ZoneInfo("Europe/Stockholm")).timestamp()
    span = datetime(2026, 11, 1, tzinfo=ZoneInfo("Europe/Stockholm")).timestamp() - start
    rows, offers = [], []
    for k in range(n):
        t = rnd.randrange(TENANTS)
        tenant, service = f"t{t:02d}", "main" if rnd.random() < 0.8 else "permits"
        cid = f"{1_790_000_000 + k}.{k}"
        arrived = float(int(start + rnd.random() * (span - 3600)))
        fate = rnd.random()
        base = [cid, tenant, service, f"{tenant}-{service}", "+4610000000", f"PJSIP/trunk-{k:08x}"]
        base += [tenant.upper(), f"+4670{k:07d}", "", "sv", 0, 30, "engine", arrived]
        if fate < 0.04:  # closed
            rows.append((*base, None, None, None, None, None, None, arrived, "closed", 0, False))
            rows[-1] = (*rows[-1][:3], "", *rows[-1][4:])
            continue
        wait = float(rnd.choice((rnd.randrange(0, 30), rnd.randrange(0, 240))))
        if fate < 0.84:
            own = rnd.random() < 0.85
            home = t if own else (t + 1) % TENANTS
            agent = f"op{home * PER_TENANT + rnd.randrange(PER_TENANT):03d}"
            answered, talk = arrived + wait, float(rnd.randrange(30, 600))
            seq = 0
            if rnd.random() < 0.1:  # a miss first
                offers.append((cid, 0, agent, f"t{home:02d}", arrived, False, "sent", arrived,
                               True, "noanswer", None, arrived + 5))  # fmt: skip
                seq = 1
            offers.append((cid, seq, agent, f"t{home:02d}", answered - 3, False, "sent",
                           answered - 3, True, "answered", answered, answered + talk))  # fmt: skip
            end = answered + talk
            if rnd.random() < 0.03:  # a failed transfer, then a recall
                offers.append((cid, seq + 1, agent, f"t{home:02d}", end + 20, True, "sent",
                               end + 20, True, "answered", end + 22, end + 82))  # fmt: skip
                end += 82
            rows.append((*base, arrived, None, answered, agent, f"t{home:02d}", None, end,
                         "answered", int(not own), False))  # fmt: skip
        else:
            outcome = "abandoned" if fate < 0.94 else ("callback" if fate < 0.97 else "voicemail")
            rows.append((*base, arrived, None, None, None, None, None, arrived + wait, outcome,
                         int(wait >= 30), outcome == "callback"))  # fmt: skip
    order = {row[0]: row[13] for row in rows}  # the engine inserts a call when it arrives
    rows.sort(key=lambda row: row[13])
    offers.sort(key=lambda offer: (order[offer[0]], offer[1]))
    return rows, offers


def shifts(seed: int = 11) -> Iterator[tuple[str, str, str | None, float, float]]:
    """Each operator's weekdays: available, on calls, a lunch pause, logged out at night."""
    rnd = random.Random(seed)
    zone = ZoneInfo("Europe/Stockholm")
    for day in range(1, 32):
        if date(2026, 10, day).weekday() >= 5:
            continue
        for n in range(TENANTS * PER_TENANT):
            at = datetime(2026, 10, day, 7, tzinfo=zone).timestamp() + rnd.randrange(0, 1800)
            for status, length in (("available", 7200), ("on_call", 3600), ("wrapup", 600),
                                   ("paused", 2700), ("available", 14400)):  # fmt: skip
                reason = "lunch" if status == "paused" else None
                yield (f"op{n:03d}", status, reason, float(at), float(at + length))
                at += length


CALL_COLUMNS = [
    c.name for c in calls.columns if c.name not in ("refused", "timeline", "updated_at")
]
OFFER_COLUMNS = [c.name for c in call_offers.columns]
INTERVAL_COLUMNS = ["agent", "status", "reason", "started_at", "ended_at"]


def load(engine: Engine, rows: list[tuple[Any, ...]], offers: list[tuple[Any, ...]]) -> float:
    """Bulk-insert the rows (executemany on SQLite, COPY on PostgreSQL); seconds taken."""
    started = time.perf_counter()
    raw: Any = engine.raw_connection()
    try:
        cur = raw.cursor()
        tables = (
            ("calls", CALL_COLUMNS, rows),
            ("call_offers", OFFER_COLUMNS, offers),
            ("agent_intervals", INTERVAL_COLUMNS, list(shifts())),
        )
        for table, columns, values in tables:
            names = ", ".join(columns)
            if engine.dialect.name == "postgresql":
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def peak_mb() -> float:
    """This program's peak resident memory in MB: VmHWM, which starts afresh at exec (Linux's
    ru_maxrss keeps the parent's peak across fork and exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_here(url: str, way: str, out: Path) -> None:
    """In a fresh process: one way's figures of the month; prints seconds and peak memory."""
    cfg = settings_for(world(), FIRST, LAST, "1h")
    store = Store(url=url)
    started = time.perf_counter()
    if way == "sql":
        fig, read_s = stored_figures(store.engine, cfg), 0.0
    else:
        scope = (calls.c.arrived_at >= (cfg.start or 0), calls.c.arrived_at < (cfg.end or 0))
        records = store.records(*scope)
        intervals = [AgentInterval(i["agent"], i["status"], i["reason"], i["started_at"],
                                   i["ended_at"]) for i in store.intervals()]  # fmt: skip
        read_s = time.perf_counter() - started
        fig = figures(records, intervals, cfg)
    took = time.perf_counter() - started
    out.write_bytes(pickle.dumps(fig))
    print(json.dumps({"s": took, "read_s": read_s, "peak_mb": peak_mb()}))
    store.close()


def measure(url: str, way: str, folder: Path) -> tuple[dict[str, float], Figures]:
    """Run one measurement in its own process."""
    out = folder / f"{way}-{abs(hash(url))}.pickle"
    cmd = [sys.executable, __file__, "--measure", url, "--way", way, "--out", str(out)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    figures_: Figures = pickle.loads(out.read_bytes())
    return json.loads(done.stdout.splitlines()[-1]), figures_


def report(name: str, url: str, loaded_s: float, python: bool, folder: Path) -> None:
    """Both ways on one database, side by side."""
    sql, in_sql = measure(url, "sql", folder)
    print(f"\n{name}: loaded in {loaded_s:.1f} s; {_summary(in_sql)}")
    print(f"  SQL (switchboard report)        {sql['s']:7.2f} s   peak {sql['peak_mb']:6.0f} MB")
    if not python:
        return
    py, in_python = measure(url, "python", folder)
    print(f"  Python: read every record       {py['read_s']:7.2f} s")
    print(f"  Python: read + figures()        {py['s']:7.2f} s   peak {py['peak_mb']:6.0f} MB")
    print(f"  Python / SQL                    {py['s'] / sql['s']:7.1f} x time, "
          f"{py['peak_mb'] / sql['peak_mb']:.1f} x memory")  # fmt: skip
    print(f"  figures equal: {'yes' if in_sql == in_python else 'NO'}")


def _summary(fig: Figures) -> str:
    offered = sum(t.offered for t in fig.tenants)
    cells = len(fig.matrix.cells)
    return f"{offered:,} offered, {cells} matrix cells, {len(fig.matrix.settlements)} settlements"


def main() -> None:
    """Generate the month, then measure SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--python-on-postgresql", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--way", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_here(args.measure, args.way, args.out)
        return
    started = time.perf_counter()
    rows, offers = synthetic(args.calls)
    print(f"generated {len(rows):,} calls and {len(offers):,} offers in "
          f"{time.perf_counter() - started:.1f} s; monthly report, hourly series, 20 tenants")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'month.db'}"
        store = Store(url=url)
        loaded_s = load(store.engine, rows, offers)
        store.close()
        report("SQLite", url, loaded_s, True, folder)
        if args.no_postgresql:
            return
        try:
            with postgres_server() as server:
                url = fresh_database(server, "bench_reports")
                store = Store(url=url)
                loaded_s = load(store.engine, rows, offers)
                store.close()
                report("PostgreSQL", url, loaded_s, args.python_on_postgresql, folder)
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"\nPostgreSQL skipped: no server could be started ({exc})")


if __name__ == "__main__":
    main()
