"""Monthly report speed: SQL aggregation in the store vs the figures module over records in memory.

Run: python bench/bench_reports.py [--calls 1000000] [--no-postgresql]
Figures: one month (October 2026, which has a 25-hour day) of synthetic call records over 20
tenants and 200 operators, bulk-loaded into SQLite and into a throwaway PostgreSQL (started as
the tests start theirs; skipped with the reason when none starts). For each database: the
time of `switchboard report`'s figures with the answered-by matrix (SQL), then the time of
loading every record of the month and running `figures()` over them in Python, the ratio, and
the growth of the process's peak memory. Both ways must give equal figures.
"""

from __future__ import annotations

import argparse
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
from switchboard.reports.settings import Settings
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
    """The process's peak resident memory so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, store: Store, cfg: Settings, count: int, loaded_s: float) -> None:
    """Time both ways on one database and print them side by side."""
    before = peak_mb()
    started = time.perf_counter()
    in_sql = stored_figures(store.engine, cfg)
    sql_s = time.perf_counter() - started
    sql_mb = peak_mb() - before
    started = time.perf_counter()
    records = store.records(
        calls.c.arrived_at >= (cfg.start or 0), calls.c.arrived_at < (cfg.end or 0)
    )
    intervals = [AgentInterval(i["agent"], i["status"], i["reason"], i["started_at"], i["ended_at"])
                 for i in _intervals(store)]  # fmt: skip
    read_s = time.perf_counter() - started
    in_python = figures(records, intervals, cfg)
    python_s = time.perf_counter() - started
    python_mb = peak_mb() - before - sql_mb
    del records, intervals
    print(f"\n{name}: {count:,} calls loaded in {loaded_s:.1f} s")
    print(
        f"  SQL aggregation (switchboard report)   {sql_s:7.2f} s   peak memory +{sql_mb:6.0f} MB"
    )
    print(f"  Python: read every record              {read_s:7.2f} s")
    print(
        f"  Python: read + figures()               {python_s:7.2f} s   peak memory +{python_mb:6.0f} MB"
    )
    print(f"  ratio Python / SQL                     {python_s / sql_s:7.1f} x")
    print(f"  figures equal: {'yes' if in_sql == in_python else 'NO'}; {_summary(in_sql)}")


def _intervals(store: Store) -> list[dict[str, object]]:
    return store.intervals()


def _summary(fig: Figures) -> str:
    offered = sum(t.offered for t in fig.tenants)
    cells = len(fig.matrix.cells)
    return f"{offered:,} offered, {cells} matrix cells, {len(fig.matrix.settlements)} settlements"


def main() -> None:
    """Generate the month, then measure SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args()
    config = world()
    cfg = settings_for(config, FIRST, LAST, "1h")
    started = time.perf_counter()
    rows, offers = synthetic(args.calls)
    print(f"generated {len(rows):,} calls and {len(offers):,} offers in "
          f"{time.perf_counter() - started:.1f} s; monthly report, hourly series, 20 tenants")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as folder:
        store = Store(Path(folder) / "month.db")
        measure("SQLite", store, cfg, len(rows), load(store.engine, rows, offers))
        store.close()
    if args.no_postgresql:
        return
    try:
        with postgres_server() as server:
            store = Store(url=fresh_database(server, "bench_reports"))
            measure("PostgreSQL", store, cfg, len(rows), load(store.engine, rows, offers))
            store.close()
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"\nPostgreSQL skipped: no server could be started ({exc})")


if __name__ == "__main__":
    main()
