"""`switchboard asterisk-config`: a complete Asterisk configuration written from the YAML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from switchboard.asterisk.config.command import EXIT_SOUNDS
from switchboard.cli import EXIT_OK, EXIT_USAGE, main
from tests.conftest import EXAMPLE

NEW_TENANT = """
  nassjo:
    name: Nässjö kommun
    tag: NASSJO
    numbers: ["+4638068000"]
    hours: {mon-fri: "08:00-16:00"}
    closed: {then: voicemail, voicemail: "300@nassjo"}
    services:
      switchboard: {skills: [vaxel]}
      permits: {skills: [bygglov], numbers: ["+4638068050"], greeting: nassjo-permits}
"""
NEW_AGENT = "  gustav: {name: Gustav Ås, device: PJSIP/1007, home: nassjo, skills: {vaxel: 3, bygglov: 4}}\n"


def write(tmp: Path, yaml: Path, *extra: str) -> int:
    modules = tmp / "modules"
    modules.mkdir(exist_ok=True)
    return main(
        [
            "asterisk-config",
            "-c",
            str(yaml),
            str(tmp / "out"),
            "--quiet",
            "--modules",
            str(modules),
            "--sounds",
            str(tmp),
            "--moh",
            str(tmp),
            "--operator-secret",
            "opsecret",
            *extra,
        ]
    )


def texts(tmp: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in (tmp / "out").glob("*.conf")}


def grown(tmp: Path) -> Path:
    """The example with a new tenant (two services, one with its own line) and a new operator."""
    text = EXAMPLE.read_text()
    text = text.replace("\nagents:\n", NEW_TENANT + "\nagents:\n", 1)
    text = text.replace(
        "\n\n# Named transfer targets", "\n" + NEW_AGENT + "\n# Named transfer targets"
    )
    path = tmp / "grown.yaml"
    path.write_text(text)
    return path


def test_every_placeholder_is_filled_from_options_and_yaml(tmp_path: Path) -> None:
    assert write(tmp_path, EXAMPLE, "--ami-secret", "s3cret", "--sip-host", "0.0.0.0") == EXIT_OK
    conf = texts(tmp_path)
    assert {"switchboard.conf", "switchboard-generated.conf", "extensions.conf"} <= set(conf)
    leftovers = {name: re.findall(r"@[A-Z_]+@", text) for name, text in conf.items()}
    assert {name: found for name, found in leftovers.items() if found} == {}
    assert f"astmoddir => {tmp_path / 'modules'}" in conf["asterisk.conf"]
    # the engine's AMI user, port and address come from the YAML's engine section
    assert "[switchboard]\nsecret = s3cret" in conf["manager.conf"]
    assert "port = 5038" in conf["manager.conf"]
    # the operator's answer report is a UserEvent: its module, its class, only ours let through
    assert "load => app_userevent.so" in conf["modules.conf"]
    assert "read = system,call,agent,user\n" in conf["manager.conf"]
    for report in ("SwitchboardAnswered", "SwitchboardCallbackAnswered"):
        assert (
            "eventfilter(action(include),name(UserEvent),header(UserEvent),method(exact))"
            f" = {report}\n" in conf["manager.conf"]
        )
    assert "SB_ENGINE = 127.0.0.1:4573" in conf["extensions.conf"]
    # ring time and wrap-up come from dispatch
    assert "SB_RING_DEFAULT = 15" in conf["extensions.conf"]
    assert "wrapuptime = 10" in conf["queues.conf"]
    assert "#include switchboard-generated.conf" in conf["extensions.conf"]
    assert (tmp_path / "out" / "data" / "sounds").is_symlink()
    assert oct((tmp_path / "out" / "manager.conf").stat().st_mode & 0o777) == "0o600"


def test_the_dialplan_trace_is_logged_only_when_asked_for(tmp_path: Path) -> None:
    assert write(tmp_path, EXAMPLE) == EXIT_OK
    quiet = texts(tmp_path)
    assert re.search(r"^verbose = 0$", quiet["asterisk.conf"], re.M)
    assert re.search(r"^messages.log => notice,warning,error$", quiet["logger.conf"], re.M)
    assert write(tmp_path, EXAMPLE, "--dialplan-trace") == EXIT_OK
    traced = texts(tmp_path)
    assert re.search(r"^verbose = 3$", traced["asterisk.conf"], re.M)
    assert re.search(r"^messages.log => notice,warning,error,verbose$", traced["logger.conf"], re.M)


def test_a_new_tenant_service_and_operator_need_no_hand_edit(tmp_path: Path) -> None:
    assert write(tmp_path, grown(tmp_path)) == EXIT_OK
    conf = texts(tmp_path)
    queues = re.findall(r"^\[([a-z-]+)\]\(switchboard-waiting\)", conf["queues.conf"], re.M)
    assert queues == [
        "vetlanda-switchboard",
        "savsjo-switchboard",
        "eksjo-switchboard",
        "eksjo-school-transport",
        "halden-switchboard",
        "nassjo-switchboard",
        "nassjo-permits",
    ]
    assert "member => PJSIP/1007,0,Gustav Ås,PJSIP/1007" in conf["queues.conf"]
    assert (
        "[1007](operator)\nauth = 1007-auth\naors = 1007\ncallerid = Gustav Ås <1007>"
        in (conf["pjsip.conf"])
    )
    assert "[1007](operator-aor)" in conf["pjsip.conf"]
    generated = conf["switchboard-generated.conf"]
    assert "exten => 1007,hint,PJSIP/1007" in generated
    assert "exten => +4638068000,1,Set(SB_TENANT=nassjo)" in generated
    assert "exten => 038068000,1,Goto(+4638068000,1)" in generated
    permits = generated.split("exten => +4638068050,1,")[1].split("Return()")[0]
    assert "Set(SB_TAG=NASSJO)" in permits
    assert "Set(SB_GREETING=nassjo-permits)" in permits
    assert "[nassjo]\n300 => 4711,Nässjö kommun" in conf["voicemail.conf"]


def test_operators_and_directory_replace_the_hard_coded_extensions(tmp_path: Path) -> None:
    assert write(tmp_path, EXAMPLE) == EXIT_OK
    conf = texts(tmp_path)
    operators = conf["switchboard.conf"].split("[switchboard-operators]")[1].split("\n[")[0]
    assert "include => switchboard-directory" in operators
    assert "1001" not in conf["switchboard.conf"]
    generated = conf["switchboard-generated.conf"]
    assert "exten => 2001,1,Set(SB_DIAL=PJSIP/+4638397100@${SB_TRUNK})" in generated
    for n in range(1001, 1007):
        assert f"exten => {n},hint,PJSIP/{n}" in generated


def test_line_breaks_in_values_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert write(tmp_path, EXAMPLE, "--trunk-host", "1.2.3.4\nexten => evil") == EXIT_USAGE
    assert "must not contain CR, LF" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_recordings_are_laid_over_the_stock_prompts(tmp_path: Path) -> None:
    stock, recordings = tmp_path / "stock", tmp_path / "recordings"
    for path in (stock / "en" / "digits" / "1.gsm", stock / "en" / "queue-thereare.gsm",
                 recordings / "sv" / "eksjo-greeting.wav", recordings / "en" / "eksjo-menu.wav",
                 recordings / "en" / "queue-thereare.wav"):  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    args = ("--sounds", str(stock), "--recordings", str(recordings))
    assert write(tmp_path, EXAMPLE, *args) == EXIT_OK
    sounds = tmp_path / "out" / "data" / "sounds"
    assert (sounds / "sv").resolve() == (recordings / "sv").resolve()
    assert (sounds / "en").is_dir()
    assert not (sounds / "en").is_symlink()
    assert (sounds / "en" / "digits").resolve() == (stock / "en" / "digits").resolve()
    assert (sounds / "en" / "eksjo-menu.wav").resolve() == recordings / "en" / "eksjo-menu.wav"
    assert (sounds / "en" / "queue-thereare.gsm").is_symlink()
    # written again over the overlay: nothing of the old one is left behind
    assert write(tmp_path, EXAMPLE) == EXIT_OK
    assert sounds.is_symlink()


def test_check_lists_missing_sounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("sv/vetlanda-greeting.wav", "en/eksjo-menu.gsm", "sv/eksjo-greeting.wav"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert main(["check", "-c", str(EXAMPLE), "--sounds", str(tmp_path)]) == EXIT_SOUNDS
    lines = capsys.readouterr().out.splitlines()
    assert "tenants.vetlanda.greeting: sv/vetlanda-greeting is missing" not in "\n".join(lines)
    assert "tenants.vetlanda.greeting: no/vetlanda-greeting is missing (nothing is played)" in lines
    assert "tenants.eksjo.menu.prompt: sv/eksjo-menu is missing (plays en/eksjo-menu)" in lines
    assert (
        "tenants.vetlanda.closed.announce: sv/vetlanda-closed is missing "
        "(the stock prompt plays instead)"
    ) in lines
    assert lines[-1] == f"{len(lines) - 2} sound(s) missing in {tmp_path}"
