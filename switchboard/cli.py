"""The `switchboard` command: check a configuration, try a routing decision, write the Asterisk
configuration, run the engine, reload the running engine, simulate a day."""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import structlog

from switchboard.config.compile import compile_routing
from switchboard.config.errors import ConfigError
from switchboard.config.loader import load_config
from switchboard.config.models import Config
from switchboard.core.numbers import normalize
from switchboard.core.routing import CallFacts, decide

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 64
EXIT_CONFIG = 2  # `check` (and `route`): the file has problems
EXIT_CONFIG_RUN = 78  # `run`: EX_CONFIG; the systemd unit does not restart on it
PID_FILE = "/run/switchboard/switchboard.pid"  # RuntimeDirectory=switchboard in the unit
# check --sounds exits with 3 when a sound is missing (asterisk.config.command.EXIT_SOUNDS);
# run exits with 4 when Asterisk lacks a queue or operator device (engine.app.EXIT_ASTERISK).


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "reload":
        return _reload(args)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {exc.filename}", file=sys.stderr)
        return EXIT_CONFIG_RUN if args.command == "run" else EXIT_CONFIG
    handlers = {
        "check": _check,
        "route": _route,
        "run": _run,
        "simulate": _simulate,
        "demo": _demo,
        "report": _report,
        "asterisk-config": _asterisk_config,
    }
    handler = handlers[args.command]
    return handler(config, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate a configuration file")
    check.add_argument("-c", "--config", required=True, help="YAML configuration file")
    check.add_argument(
        "--sounds", metavar="DIR", help="list the sounds it names that are missing in DIR"
    )
    route = sub.add_parser("route", help="print what would happen to a call, as JSON")
    route.add_argument("-c", "--config", required=True, help="YAML configuration file")
    route.add_argument("--number", required=True, help="dialled number")
    route.add_argument("--caller", default="", help="caller number")
    route.add_argument("--digit", default=None, help="menu digit the caller pressed")
    route.add_argument(
        "--menu", action="store_true", help="as the dialplan's first request: the menu may be asked"
    )
    route.add_argument("--language", default=None, help="caller language, e.g. en")
    route.add_argument(
        "--at",
        default=None,
        help="ISO-8601 time (without offset: the tenant's local time); default now",
    )
    run = sub.add_parser("run", help="run the engine (FastAGI server, AMI client, dispatcher)")
    run.add_argument("-c", "--config", required=True, help="YAML configuration file")
    run.add_argument("--agi", metavar="HOST:PORT", help="listen for FastAGI here")
    run.add_argument("--ami", metavar="HOST:PORT", help="connect to AMI here")
    run.add_argument("--http", metavar="HOST:PORT", help="serve health and metrics here")
    run.add_argument("--store", metavar="PATH", help="SQLite database file")
    run.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    run.add_argument(
        "--pid-file",
        metavar="PATH",
        help="write the process id here (default: $RUNTIME_DIRECTORY/switchboard.pid under systemd)",
    )
    reload = sub.add_parser(
        "reload", help="make the running engine read its configuration again (SIGHUP)"
    )
    reload.add_argument("-c", "--config", help="validate this file first; signal only if valid")
    reload.add_argument("--pid-file", metavar="PATH", default=PID_FILE, help=f"default {PID_FILE}")
    _simulate_parser(sub)
    _demo_parser(sub)
    _report_parser(sub)
    _asterisk_config_parser(sub)
    return parser


def _run(config: Config, args: argparse.Namespace) -> int:
    from switchboard.engine.app import EXIT_ASTERISK, Engine
    from switchboard.logs import configure

    overrides = (args.agi, args.ami, args.http, args.store)
    try:
        config = with_overrides(config, *overrides)
    except ValueError as exc:
        print(f"switchboard run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure(args.log_level, secrets=config.engine.secrets())
    faulthandler.enable()  # a watchdog SIGABRT leaves the Python stacks in the journal
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # not fatal before the engine handles it

    def load() -> Config:
        return with_overrides(load_config(args.config), *overrides)

    runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    pid_file = args.pid_file or (f"{runtime}/switchboard.pid" if runtime else None)
    try:
        _write_pid(pid_file)
        engine = Engine(config, load=load)
        import uvloop  # libuv's event loop: the same asyncio code, less CPU per call

        code = uvloop.run(engine.run_forever())
    except Exception:
        structlog.get_logger("switchboard").exception("engine failed")
        return EXIT_FAILED
    finally:
        if pid_file:
            with contextlib.suppress(OSError):
                os.unlink(pid_file)
    if code == EXIT_ASTERISK and engine.absent:
        print(
            f"switchboard run: {engine.absent.describe()}; write its configuration from "
            f"{args.config} with `switchboard asterisk-config` and reload it",
            file=sys.stderr,
        )
    return code


def _reload(args: argparse.Namespace) -> int:
    if args.config is not None:
        try:
            load_config(args.config)
        except ConfigError as exc:
            print("\n".join(exc.lines()), file=sys.stderr)
            print(
                f"not reloaded: {len(exc.problems)} problem(s) in {exc.filename}", file=sys.stderr
            )
            return EXIT_CONFIG
    try:
        with open(args.pid_file, encoding="ascii") as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        print(f"switchboard reload: cannot signal the engine ({exc}); "
              "under systemd use: systemctl reload switchboard", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    print(f"sent SIGHUP to {pid}: the result is in the engine's log and on /readyz")
    return EXIT_OK


def _write_pid(path: str | None) -> None:
    if path:
        with open(path, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")


def with_overrides(
    config: Config, agi: str | None, ami: str | None, http: str | None, store: str | None
) -> Config:
    """The config with listen/connect addresses and the store path replaced from the command line."""
    engine = config.engine
    updates: dict[str, object] = {}
    for name, value in (("agi", agi), ("ami", ami), ("http", http)):
        if value is not None:
            host, port = _host_port(name, value)
            updates[name] = getattr(engine, name).model_copy(update={"host": host, "port": port})
    if store is not None:
        updates["store"] = engine.store.model_copy(update={"path": store})
    return config.model_copy(update={"engine": engine.model_copy(update=updates)})


def _host_port(name: str, value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--{name} wants HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _simulate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from switchboard.whatif.cli import add_arguments

    add_arguments(sub.add_parser("simulate", help="what-if: simulate a scenario through the core"))


def _simulate(config: Config, args: argparse.Namespace) -> int:
    from switchboard.whatif.cli import simulate

    return simulate(config, args)


def _demo_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from switchboard.demo.cli import add_arguments

    add_arguments(sub.add_parser("demo", help="the engine against a simulated PBX, for a look"))


def _demo(config: Config, args: argparse.Namespace) -> int:
    from switchboard.demo.cli import demo

    return demo(config, args)


def _report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from switchboard.reports.command import add_arguments

    add_arguments(sub.add_parser("report", help="figures of a period from the call records"))


def _report(config: Config, args: argparse.Namespace) -> int:
    from switchboard.reports.command import report

    return report(config, args)


def _asterisk_config_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from switchboard.asterisk.config.command import add_arguments

    what = "write the complete Asterisk configuration for this YAML"
    add_arguments(sub.add_parser("asterisk-config", help=what))


def _asterisk_config(config: Config, args: argparse.Namespace) -> int:
    from switchboard.asterisk.config.command import asterisk_config

    return asterisk_config(config, args)


def _check(config: Config, args: argparse.Namespace) -> int:
    numbers = sum(
        len(t.numbers) + sum(len(s.numbers) for s in t.services.values())
        for t in config.tenants.values()
    )
    services = sum(len(t.services) for t in config.tenants.values())
    print(
        f"{args.config}: OK: {len(config.tenants)} tenants, {services} services, "
        f"{numbers} numbers, {len(config.agents)} agents"
    )
    if args.sounds is None:
        return EXIT_OK
    from switchboard.asterisk.config.command import check_sounds

    return check_sounds(config, args.sounds)


def _route(config: Config, args: argparse.Namespace) -> int:
    table = compile_routing(config)
    try:
        now = _instant(
            args.at, table.numbers.get(normalize(args.number, table.country_code)), config
        )
    except ValueError as exc:
        print(f"--at: {exc}", file=sys.stderr)
        return EXIT_USAGE
    call = CallFacts(
        args.number,
        args.caller,
        digit=args.digit,
        language=args.language,
        offer_menu=args.menu and args.digit is None,
    )
    decision = decide(call, table, now)
    out = {"at": now.isoformat(), **decision.as_dict()}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return EXIT_OK


def _instant(text: str | None, entry: tuple[str, str | None] | None, config: Config) -> datetime:
    if text is None:
        return datetime.now(UTC)
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        return value
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(config.tenants[entry[0]].timezone) if entry else UTC
    return value.replace(tzinfo=zone)
