"""sd_notify over a real unix datagram socket, by path and in the abstract namespace."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard.systemd.notify import Notifier


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[socket.socket]:
    """The service manager's end: a bound datagram socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(2)
    yield sock
    sock.close()


def test_ready_status_watchdog_reloading_and_stopping_arrive_as_datagrams(
    systemd: socket.socket,
) -> None:
    notifier = Notifier(systemd.getsockname(), watchdog_usec=3_000_000)
    assert notifier.watchdog_interval_s == 1.5
    assert notifier.ready("AMI ready;\n3 waiting")
    assert systemd.recv(4096) == b"READY=1\nSTATUS=AMI ready; 3 waiting"
    assert notifier.watchdog()
    assert systemd.recv(4096) == b"WATCHDOG=1"
    assert notifier.reloading()
    reloading, monotonic = systemd.recv(4096).decode().split("\n")
    assert reloading == "RELOADING=1"
    assert monotonic.startswith("MONOTONIC_USEC=")
    assert notifier.stopping()
    assert systemd.recv(4096) == b"STOPPING=1"
    assert notifier.sent == 4
    notifier.close()


def test_abstract_namespace_socket() -> None:
    name = f"@switchboard-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name[1:])
        sock.settimeout(2)
        notifier = Notifier(name)
        assert notifier.status("up")
        assert sock.recv(4096) == b"STATUS=up"
        notifier.close()


def test_from_environ_reads_the_socket_and_the_watchdog_for_this_process() -> None:
    env = {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "10000000"}
    assert Notifier.from_environ(env).watchdog_interval_s == 5.0
    mine = Notifier.from_environ({**env, "WATCHDOG_PID": str(os.getpid())})
    assert mine.watchdog_interval_s == 5.0
    assert Notifier.from_environ({**env, "WATCHDOG_PID": "1"}).watchdog_interval_s is None
    assert Notifier.from_environ({"WATCHDOG_USEC": "10000000"}).watchdog_interval_s is None


def test_without_systemd_nothing_is_sent_and_a_dead_socket_is_not_fatal(tmp_path: Path) -> None:
    assert not Notifier.from_environ({}).enabled
    assert not Notifier.from_environ({}).ready()
    gone = Notifier(str(tmp_path / "nobody-listens"))
    assert not gone.watchdog()
    assert gone.failed == 1
    gone.close()
