"""Configuration of the caller's path: sounds, menu, language, announcements, callback, directory."""

from __future__ import annotations

import pytest

from switchboard.config.compile import compile_routing
from switchboard.config.loader import parse_config
from tests.unit.test_config import BASE, problems

MENU = BASE.replace(
    "      switchboard: {skills: [vaxel]}\n    overflow:",
    "      switchboard: {skills: [vaxel], menu_digit: '1'}\n"
    "      permits: {skills: [vaxel], menu_digit: '2', greeting: vetlanda-permits}\n"
    "    menu: vetlanda-menu\n"
    "    greeting: vetlanda-greeting\n"
    "    overflow:",
    1,
)


def test_menu_greeting_and_defaults_compile() -> None:
    config = parse_config(MENU, "sb.yaml", {})
    vetlanda = config.tenants["vetlanda"]
    assert vetlanda.menu is not None
    assert (vetlanda.menu.prompt, vetlanda.menu.timeout_s, vetlanda.menu.retries) == (
        "vetlanda-menu",
        5,
        1,
    )
    assert (vetlanda.announcements.every_s, vetlanda.callback.attempts) == (0, 3)
    rule = compile_routing(config).tenants["vetlanda"]
    assert rule.menu is not None
    assert dict(rule.menu.digits) == {"1": "switchboard", "2": "permits"}
    assert rule.greeting == "vetlanda-greeting"
    assert rule.services["permits"].greeting == "vetlanda-permits"


def test_language_only_caller_rule_and_directory_are_valid() -> None:
    text = BASE.replace(
        "    overflow:\n", "    callers: [{prefix: '+47', language: 'no'}]\n    overflow:\n", 1
    )
    text += (
        "directory:\n  social: {name: Socialtjänsten, extension: '2001', number: '+4638397100'}\n"
    )
    config = parse_config(text, "sb.yaml", {})
    assert config.tenants["vetlanda"].callers[0].language == "no"
    assert config.directory["social"].number == "+4638397100"
    assert compile_routing(config).tenants["vetlanda"].callers[0].language == "no"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "switchboard: {skills: [vaxel]}\n    overflow",
            "switchboard: {skills: [vaxel], menu_digit: '1'}\n    overflow",
            "sb.yaml:2: tenants.vetlanda: services have menu digits: name the menu prompt "
            "(menu: <sound>)",
        ),
        (
            "    overflow:\n",
            "    greeting: welcome\n    overflow:\n",
            "sb.yaml:11: tenants.vetlanda.greeting: a tenant's sounds are named vetlanda-<what> "
            "(sounds/<lang>/vetlanda-...), not 'welcome'",
        ),
        (
            "    overflow:\n",
            "    greeting: 'vetlanda-hej&goodbye'\n    overflow:\n",
            "sb.yaml:11: tenants.vetlanda.greeting: String should match pattern "
            "'^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$'",
        ),
        (
            "    overflow:\n",
            "    callback: {whisper: savsjo-callback}\n    overflow:\n",
            "sb.yaml:11: tenants.vetlanda.callback.whisper: a tenant's sounds are named "
            "vetlanda-<what> (sounds/<lang>/vetlanda-...), not 'savsjo-callback'",
        ),
        (
            "    overflow:\n",
            "    announcements: {every_s: 4}\n    overflow:\n",
            "sb.yaml:11: tenants.vetlanda.announcements: every_s is 0 (no announcements) or at "
            "least 5 seconds",
        ),
        (
            "{device: PJSIP/1001,",
            "{name: 'Åsa <boss>', device: PJSIP/1001,",
            'sb.yaml:21: agents.asa.name: must not contain CR, LF, NUL or any of ; < > " \\ [ ]',
        ),
    ],
)
def test_problems(old: str, new: str, expected: str) -> None:
    assert old in BASE
    found = problems(BASE.replace(old, new, 1))
    assert expected in found, found


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{name: Soc, extension: '1001', number: '+4638397100'}",
            "sb.yaml:23: directory.social.extension: 1001 is already operator asa",
        ),
        (
            "{name: Soc, extension: '0123', number: '+4638397100'}",
            "sb.yaml:23: directory.social.extension: String should match pattern "
            "'^[1-9][0-9]{1,7}$'",
        ),
        (
            "{name: Soc, extension: '2001', number: '038397100'}",
            "sb.yaml:23: directory.social.number: '038397100' is not an E.164 number such as "
            "+46383970000",
        ),
    ],
)
def test_directory_problems(entry: str, expected: str) -> None:
    found = problems(BASE + f"directory:\n  social: {entry}\n")
    assert expected in found, found
