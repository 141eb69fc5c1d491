"""`switchboard demo`: its options and the command itself."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from switchboard.config.models import Config
from switchboard.demo.run import DemoOptions, run_demo
from switchboard.logs import configure

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "smaland.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `demo` subcommand's options."""
    parser.add_argument(
        "-c", "--config", default=str(EXAMPLE), help="YAML configuration (default: the example)"
    )
    parser.add_argument("--rate", type=float, default=6.0, help="calls per demo minute")
    parser.add_argument("--speed", type=float, default=1.0, help="demo seconds per real second")
    parser.add_argument(
        "--start",
        help="demo clock at the start, ISO-8601 (without offset: the first tenant's time zone)",
    )
    parser.add_argument("--seconds", type=float, help="stop after this many real seconds")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the callers")
    parser.add_argument("--db", type=Path, help="database file (default: a new temporary one)")
    parser.add_argument("--port", type=int, default=8080, help="HTTP port of the wallboard")


def demo(config: Config, args: argparse.Namespace) -> int:
    """Run the demo until Ctrl-C (or --seconds)."""
    start = None
    if args.start:
        start = datetime.fromisoformat(args.start)
        if start.tzinfo is None:
            zone = next(iter(config.tenants.values())).timezone
            start = start.replace(tzinfo=ZoneInfo(zone))
    if args.speed <= 0 or args.rate <= 0:
        raise SystemExit("switchboard demo: --speed and --rate must be positive")
    db = args.db or Path(tempfile.mkdtemp(prefix="switchboard-demo-")) / "demo.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    log = (db.parent / "engine.log").open("a", encoding="utf-8")
    configure("info", json=True, stream=log, secrets=config.engine.secrets())
    options = DemoOptions(
        config=config,
        config_path=Path(args.config),
        per_minute=args.rate,
        speed=args.speed,
        start=start,
        seconds=args.seconds,
        seed=args.seed,
        db=db,
        http_port=args.port,
    )
    try:
        return asyncio.run(run_demo(options))
    finally:
        log.close()
