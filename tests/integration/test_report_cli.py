"""`switchboard report` as ops run it: formats, the store by default or by URL, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from switchboard.cli import main
from switchboard.reports.command import EXIT_STORE, EXIT_USAGE
from switchboard.store.store import Store
from tests.integration.report_day import DAY, WORLD, run, write


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The day's configuration, its SQLite store (with the day written) next to it."""
    path = tmp_path / "sb.yaml"
    path.write_text(WORLD + f"engine: {{store: {{path: {tmp_path / 'sb.db'}}}}}\n")
    store = Store(tmp_path / "sb.db")
    write(run(), store)
    assert store.close()
    return path


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_from_the_configured_store(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = report(capsys, "-c", str(config), "--from", DAY, "--to", DAY, "--format", "json")
    assert code == 0
    fig = json.loads(out)["figures"]
    assert [(t["tenant"], t["offered"], t["answered"]) for t in fig["tenants"]] == [
        ("alpha", 10, 6),
        ("beta", 2, 1),
    ]
    assert fig["matrix"]["settlements"] == [{"payer": "alpha", "payee": "beta", "amount": 6.0}]


def test_by_url_on_sqlite_and_postgresql(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(url=store_url)
    write(run(), store)
    assert store.close()
    config = tmp_path / "world.yaml"
    config.write_text(WORLD)
    args = ["-c", str(config), "--from", DAY, "--to", DAY, "--url", store_url]
    code, out, err = report(capsys, *args, "--tenant", "beta", "--interval", "day")
    assert (code, err) == (0, "")
    assert "Per tenant" in out
    assert "Net amounts owed at 2 SEK per handled minute (beta 3)" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["alpha", "beta", "6.00", "SEK"] in lines  # the settlement row
    assert not any(line[:1] == ["a1"] for line in lines)  # only beta's operators


def test_csv_and_html_to_a_file(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["-c", str(config), "--from", DAY, "--to", DAY]
    code, out, _ = report(capsys, *base, "--format", "csv", "--interval", "15m")
    assert code == 0
    assert out.splitlines()[0].startswith("section,tenant,service,offered")
    assert sum(1 for line in out.splitlines() if line.startswith("series,alpha,")) == 100
    page = tmp_path / "day.html"
    code, out, _ = report(capsys, *base, "--format", "html", "--output", str(page))
    assert (code, out) == (0, "")
    assert page.read_text().count("<svg") == 3  # two tenants' series and the heat map


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-10-32", "--to", DAY], "--from: '2026-10-32' is not a date (YYYY-MM-DD)"),
        (["--from", DAY, "--to", "25/10/2026"], "--to: '25/10/2026' is not a date (YYYY-MM-DD)"),
        (["--from", DAY, "--to", "2026-10-24"], "--to 2026-10-24 is before --from 2026-10-25"),
        (
            ["--from", DAY, "--to", DAY, "--tenant", "gamma"],
            "--tenant: unknown tenant 'gamma' (known: alpha, beta)",
        ),
        (
            ["--from", DAY, "--to", DAY, "--interval", "2h"],
            "--interval must be one of 15m, 30m, 1h, day, not '2h'",
        ),
    ],
)
def test_bad_arguments_exit_64_with_one_clear_line(
    config: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = report(capsys, "-c", str(config), *args)
    assert (code, out, err) == (EXIT_USAGE, "", f"switchboard report: {message}\n")


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (["--store", "/nonexistent/sb.db"], "no SQLite store at /nonexistent/sb.db"),
        (["--url", "postgresql://nobody@127.0.0.1:1/none"], "127.0.0.1"),
    ],
)
def test_a_store_that_cannot_be_opened_exits_69(
    config: Path, where: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = report(capsys, "-c", str(config), "--from", DAY, "--to", DAY, *where)
    assert (code, out) == (EXIT_STORE, "")
    assert err.startswith("switchboard report: cannot open the store: ")
    assert message in err


def test_a_bad_configuration_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(WORLD.replace("currency: SEK", "currency: kronor"))
    code, _, err = report(capsys, "-c", str(config), "--from", DAY, "--to", DAY)
    assert code == 2
    assert f"{config}:2: reports.currency: String should match pattern" in err


def test_queue_log_of_the_day(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = report(capsys, "-c", str(config), "--from", DAY, "--to", DAY, "--queue-log")
    assert (code, err) == (0, "")
    lines = [line.split("|") for line in out.splitlines()]
    times = [int(fields[0]) for fields in lines]
    assert times == sorted(times)
    events = [fields[4] for fields in lines]
    assert events.count("ENTERQUEUE") >= events.count("CONNECT") > 0
    # every delivered call says CONNECT, never the ABANDON app_queue logs for a Redirect
    connected = {fields[1] for fields in lines if fields[4] == "CONNECT"}
    abandoned = {fields[1] for fields in lines if fields[4] == "ABANDON"}
    assert connected
    assert not connected & abandoned
    assert all(len(fields) >= 6 for fields in lines)
