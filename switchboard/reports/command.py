"""`switchboard report`: figures of a period from the store, in each tenant's own local days."""

from __future__ import annotations

import argparse
import itertools
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from switchboard.config.models import Config
from switchboard.progress import Progress
from switchboard.reports import FORMATS, render_report
from switchboard.reports.figures import focus
from switchboard.reports.queue_log import queue_log
from switchboard.reports.series import INTERVALS
from switchboard.reports.settings import Settings, for_days
from switchboard.reports.stored import STEPS, stored_figures
from switchboard.store.database import database_url, migrate, open_engine
from switchboard.store.store import stream_records

EXIT_OK, EXIT_USAGE, EXIT_STORE = 0, 64, 69


class UsageError(ValueError):
    """A command-line value that cannot be used (exit status 64)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `report` subcommand's options."""
    parser.add_argument("-c", "--config", required=True, help="YAML configuration file")
    parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", required=True, help="last day (included)")
    parser.add_argument("--tenant", help="one tenant's view (its calls, operators, partners)")
    parser.add_argument("--interval", default="1h", help="series interval: 15m, 30m, 1h or day")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--queue-log",
        action="store_true",
        help="write Asterisk queue_log lines of the period instead of figures",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="PATH", help="SQLite file (default: engine.store)")
    where.add_argument("--url", help="database URL, e.g. postgresql://user@host/db")


def report(config: Config, args: argparse.Namespace) -> int:
    """Run the command; returns the exit code (64 bad arguments, 69 store unavailable)."""
    try:
        first, last = _day("--from", args.first), _day("--to", args.last)
        cfg = settings_for(config, first, last, args.interval, args.tenant)
    except UsageError as exc:
        print(f"switchboard report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        engine = _open(config, args.store, args.url)
    except (OSError, SQLAlchemyError) as exc:
        print(f"switchboard report: cannot open the store: {exc}", file=sys.stderr)
        return EXIT_STORE
    if args.queue_log:
        return _queue_log(config, engine, cfg, args.output)
    try:
        with Progress("report", len(STEPS), "queries") as update:
            finished = itertools.count(1)
            fig = stored_figures(engine, cfg, lambda _: update(next(finished)))
    except SQLAlchemyError as exc:
        print(f"switchboard report: reading the store failed: {exc}", file=sys.stderr)
        return EXIT_STORE
    finally:
        engine.dispose()
    if args.tenant:
        fig = focus(fig, args.tenant, cfg.homes)
    who = f", tenant {args.tenant}" if args.tenant else ""
    title = f"switchboard report: {args.first} to {args.last} (local days){who}"
    text = render_report(args.format, title, fig)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _queue_log(config: Config, engine: Engine, cfg: Settings, output: str | None) -> int:
    """Stream the period's queue_log (all tenants' local days: the widest span) to the output."""
    since, until = cfg.start or 0.0, cfg.end or 0.0  # the earliest start, the latest end
    names = {aid: a.name or aid for aid, a in config.agents.items()}
    out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        for line in queue_log(stream_records(engine, since, until), names):
            out.write(line + "\n")
    except SQLAlchemyError as exc:
        print(f"switchboard report: reading the store failed: {exc}", file=sys.stderr)
        return EXIT_STORE
    finally:
        engine.dispose()
        if output:
            out.close()
    return EXIT_OK


def settings_for(
    config: Config, first: date, last: date, interval: str = "1h", tenant: str | None = None
) -> Settings:
    """Figure settings: each tenant's period runs from its midnight of `first` to after `last`."""
    if last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    if tenant is not None and tenant not in config.tenants:
        known = ", ".join(sorted(config.tenants))
        raise UsageError(f"--tenant: unknown tenant {tenant!r} (known: {known})")
    if interval not in INTERVALS:
        raise UsageError(f"--interval must be one of {', '.join(INTERVALS)}, not {interval!r}")
    return for_days(config, first, last, interval)


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _open(config: Config, path: str | None, url: str | None) -> Engine:
    """The store's database, migrated to the newest schema; a missing SQLite file is an error."""
    store = config.engine.store
    if path is None and url is None:
        path, url = store.path, store.url
    if url is None and not Path(path or "").is_file():
        raise FileNotFoundError(f"no SQLite store at {path}")
    engine = open_engine(database_url(path or "", url))
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
