"""A real Mosquitto broker for the tests: own config file, a free loopback port, restartable."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import pytest

from tests.ports import free_port


def find_mosquitto() -> str | None:
    """Debian's broker (in /usr/sbin, which is not on every PATH)."""
    found = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
    return found


class Mosquitto:
    """`with Mosquitto(folder) as broker:` runs a broker; `stop()`/`start()` keep its port."""

    def __init__(
        self, folder: Path, *, users: dict[str, str] | None = None, tls: bool = False
    ) -> None:
        binary = find_mosquitto()
        if binary is None:
            pytest.skip("no mosquitto: install Debian's mosquitto package (.ci/run does)")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.log = folder / "mosquitto.log"
        self.cert = folder / "broker.crt"
        lines = [
            f"listener {self.port} 127.0.0.1",
            "persistence false",  # a restart loses every retained message
            f"log_dest file {self.log}",
            "log_type all",
            f"user {getpass.getuser()}",
        ]
        if tls and shutil.which("openssl") is None:
            pytest.skip("no openssl: install Debian's openssl package (.ci/run does)")
        if tls:  # a self-signed certificate for 127.0.0.1, which is its own CA
            key = folder / "broker.key"
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                 "-keyout", str(key), "-out", str(self.cert), "-subj", "/CN=127.0.0.1",
                 "-addext", "subjectAltName=IP:127.0.0.1"],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            lines += [f"certfile {self.cert}", f"keyfile {key}"]
        if users:
            passwords = folder / "passwords"
            passwords.write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
            subprocess.run(["mosquitto_passwd", "-U", str(passwords)], check=True, timeout=10)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        self.config = folder / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, within_s: float = 10.0) -> None:
        """Start the broker and return once it accepts connections."""
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + within_s
        while True:  # a refused connect answers at once: this waits for the listener, no longer
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    err = self.process.stderr.read() if self.process.stderr else b""
                    raise RuntimeError(f"mosquitto did not start: {err.decode()}") from None
                time.sleep(0.01)

    def stop(self) -> None:
        """Stop the broker (SIGTERM) and wait for it."""
        if self.process is not None:
            if self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGCONT)
                self.process.terminate()
            self.process.wait(10)
            if self.process.stderr is not None:
                self.process.stderr.close()
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing is answered (a hung broker)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after freeze()."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def __enter__(self) -> Mosquitto:
        self.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
