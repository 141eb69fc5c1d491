"""Configuration validation: every problem is reported with its file line and dotted path."""

from __future__ import annotations

import pytest

from switchboard.config.errors import ConfigError
from switchboard.config.loader import load_config, parse_config
from tests.conftest import EXAMPLE

BASE = """\
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+4638397000"]
    timezone: Europe/Stockholm
    holidays: {country: SE, include: [de_facto]}
    hours: {mon-thu: "07:30-16:30", fri: "07:30-15:00"}
    services:
      switchboard: {skills: [vaxel]}
    overflow:
      - {after_s: 30, partners: [savsjo]}
  savsjo:
    name: Sävsjö kommun
    tag: SAVSJO
    numbers: ["+4638215000"]
    hours: {mon-fri: "08:00-16:00"}
    services:
      switchboard: {skills: [vaxel]}
agents:
  asa: {device: PJSIP/1001, home: vetlanda, tenants: [savsjo], skills: {vaxel: 5}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "sb.yaml", {})
    return info.value.lines()


def test_base_is_valid() -> None:
    config = parse_config(BASE, "sb.yaml", {})
    assert set(config.tenants) == {"vetlanda", "savsjo"}
    assert config.agents["asa"].serves == ("vetlanda", "savsjo")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "partners: [savsjo]",
            "partners: [nassjo]",
            "sb.yaml:12: tenants.vetlanda.overflow.0.partners.0: unknown partner tenant 'nassjo'",
        ),
        (
            "partners: [savsjo]",
            "partners: [vetlanda]",
            "sb.yaml:12: tenants.vetlanda.overflow.0.partners.0: a tenant cannot overflow to itself",
        ),
        (
            "tenants: [savsjo]",
            "tenants: [savsjo, eksjo]",
            "sb.yaml:21: agents.asa.tenants.1: unknown tenant 'eksjo'",
        ),
        (
            "home: vetlanda",
            "home: tranas",
            "sb.yaml:21: agents.asa.home: unknown tenant 'tranas'",
        ),
        (
            'numbers: ["+4638215000"]',
            'numbers: ["+4638397000"]',
            "sb.yaml:16: tenants.savsjo.numbers.0: number +4638397000 is already used at "
            "tenants.vetlanda.numbers.0",
        ),
        (
            'fri: "07:30-15:00"',
            'thu: "07:30-15:00"',
            "sb.yaml:8: tenants.vetlanda.hours: thu is given twice (in 'thu')",
        ),
        (
            'fri: "07:30-15:00"',
            'fri: ["07:30-12:00", "11:00-15:00"]',
            "sb.yaml:8: tenants.vetlanda.hours: ranges 07:30-12:00 and 11:00-15:00 overlap",
        ),
        (
            'fri: "07:30-15:00"',
            'fri: "7.30-15"',
            "sb.yaml:8: tenants.vetlanda.hours: '7.30-15' is not HH:MM-HH:MM (or 'closed')",
        ),
        (
            'fri: "07:30-15:00"',
            'fri: "15:00-07:30"',
            "sb.yaml:8: tenants.vetlanda.hours: '15:00-07:30' ends before it starts "
            "(ranges past midnight are two ranges)",
        ),
        (
            "timezone: Europe/Stockholm",
            "timezone: Europe/Vetlanda",
            "sb.yaml:6: tenants.vetlanda.timezone: unknown time zone 'Europe/Vetlanda'",
        ),
        (
            "country: SE,",
            "country: XX,",
            "sb.yaml:7: tenants.vetlanda.holidays: no holiday calendar for country 'XX'",
        ),
        (
            "include: [de_facto]",
            "include: [half_days]",
            "sb.yaml:7: tenants.vetlanda.holidays: Category is not supported: half_days.",
        ),
        (
            "device: PJSIP/1001",
            "device: phone1001",
            "sb.yaml:21: agents.asa.device: String should match pattern "
            "'^(PJSIP|SIP|IAX2|Local)/[A-Za-z0-9_.@-]+$'",
        ),
        (
            "skills: {vaxel: 5}",
            "skills: {vaxel: 7}",
            "sb.yaml:21: agents.asa.skills.vaxel: Input should be less than or equal to 5",
        ),
        (
            'numbers: ["+4638397000"]',
            'numbers: ["038397000"]',
            "sb.yaml:5: tenants.vetlanda.numbers.0: '038397000' is not an E.164 number such as "
            "+46383970000",
        ),
        (
            "switchboard: {skills: [vaxel]}\n    overflow",
            "switchboard: {skills: [juridik]}\n    overflow",
            "sb.yaml:10: tenants.vetlanda.services.switchboard.skills.0: no agent serving "
            "'vetlanda' or its overflow partners has skill 'juridik'",
        ),
        (
            "  savsjo:\n",
            "  Savsjo:\n",
            "sb.yaml:13: tenants.Savsjo: ids are 1-40 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit",
        ),
        (
            "agents:",
            "agentz:",
            "sb.yaml:20: agentz: unknown section",
        ),
    ],
)
def test_each_problem_has_line_and_path(old: str, new: str, expected: str) -> None:
    assert old in BASE
    found = problems(BASE.replace(old, new, 1))
    assert expected in found, found


def test_five_problems_are_all_reported_in_file_order() -> None:
    text = (
        BASE.replace("partners: [savsjo]", "partners: [nassjo]")
        .replace("timezone: Europe/Stockholm", "timezone: Mars/Olympus")
        .replace('numbers: ["+4638215000"]', 'numbers: ["+4638397000"]')
        .replace("tenants: [savsjo]", "tenants: [savsjo, eksjo]")
        .replace('fri: "07:30-15:00"', 'fri: "07:30-25:00"')
    )
    found = problems(text)
    assert [line.split(":")[1] for line in found] == ["6", "8", "12", "16", "21"]
    assert len(found) == 5


def test_yaml_syntax_error_has_a_line() -> None:
    found = problems("tenants:\n  a: {name: x\n  b: 1\n")
    assert len(found) == 1
    assert found[0].startswith("sb.yaml:3: (top): YAML syntax")


def test_missing_tenants_and_wrong_shapes() -> None:
    assert problems("agents: {}\n") == ["sb.yaml:1: tenants: is required"]
    assert problems("- a\n- b\n") == ["sb.yaml:1: (top): the file must be a YAML mapping"]
    assert problems("tenants: [a]\n") == ["sb.yaml:1: tenants: must be a mapping of id to settings"]


def test_closed_handling_needs_its_target() -> None:
    text = BASE.replace(
        "    overflow:\n      - {after_s: 30",
        "    closed: {then: forward}\n    overflow:\n      - {after_s: 30",
    )
    assert problems(text) == [
        "sb.yaml:11: tenants.vetlanda.closed: then: forward needs a forward number in E.164"
    ]


def test_overflow_steps_must_increase_and_have_one_kind() -> None:
    text = BASE.replace(
        "      - {after_s: 30, partners: [savsjo]}\n",
        "      - {after_s: 60, partners: [savsjo]}\n"
        "      - {after_s: 30, offer: callback}\n"
        "      - {after_s: 90, offer: callback, action: voicemail}\n",
    )
    found = problems(text)
    assert (
        "sb.yaml:14: tenants.vetlanda.overflow.2: a step has exactly one of partners, "
        "offer: callback, action: voicemail"
    ) in found


def test_environment_overrides_secrets() -> None:
    config = parse_config(BASE, "sb.yaml", {"SWITCHBOARD_AMI__SECRET": "s3cret", "OTHER": "x"})
    assert config.engine.ami.secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(config.engine.ami)


def test_environment_override_is_validated_too() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(BASE, "sb.yaml", {"SWITCHBOARD_AGI__PORT": "not-a-port"})
    assert info.value.lines() == [
        "sb.yaml:1: engine.agi.port: Input should be a valid integer, unable to parse string "
        "as an integer"
    ]


def test_names_with_line_breaks_are_refused() -> None:
    text = BASE.replace("name: Vetlanda kommun", 'name: "Vetlanda\\r\\nkommun"')
    assert problems(text) == ["sb.yaml:3: tenants.vetlanda.name: must not contain CR, LF or NUL"]


def test_unreadable_file(tmp_path: object) -> None:
    with pytest.raises(ConfigError) as info:
        load_config("/nonexistent/sb.yaml")
    assert info.value.lines()[0].startswith("/nonexistent/sb.yaml:0: (top): cannot read file")


def test_example_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert len(config.tenants) == 4


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    overflow:\n      - {after_s: 30",
            "    closed: {then: voicemail}\n    overflow:\n      - {after_s: 30",
            "sb.yaml:11: tenants.vetlanda.closed: then: voicemail needs a voicemail box "
            "(voicemail: 'box@context')",
        ),
        (
            "    overflow:\n      - {after_s: 30",
            "    callers: [{prefix: '+4670', number: '+46701234567', priority: 1}]\n"
            "    overflow:\n      - {after_s: 30",
            "sb.yaml:11: tenants.vetlanda.callers.0: a caller rule has exactly one of number or prefix",
        ),
        (
            "    overflow:\n      - {after_s: 30",
            "    callers: [{prefix: '+4670'}]\n    overflow:\n      - {after_s: 30",
            "sb.yaml:11: tenants.vetlanda.callers.0: a caller rule sets a priority above 0, "
            "block: true or a language",
        ),
        (
            "    overflow:\n      - {after_s: 30",
            "    default_service: vaxel\n    overflow:\n      - {after_s: 30",
            "sb.yaml:2: tenants.vetlanda: default_service 'vaxel' is not one of the services",
        ),
        (
            "switchboard: {skills: [vaxel]}\n    overflow",
            "switchboard: {skills: [vaxel], menu_digit: '1'}\n"
            "      other: {menu_digit: '1'}\n    overflow",
            "sb.yaml:2: tenants.vetlanda: two services use the same menu digit",
        ),
        (
            "switchboard: {skills: [vaxel]}\n    overflow",
            "switchboard: {overflow: [{after_s: 9, action: voicemail}, "
            "{after_s: 9, offer: callback}]}\n    overflow",
            "sb.yaml:2: tenants.vetlanda: overflow steps must have strictly increasing after_s",
        ),
        (
            "    overflow:\n      - {after_s: 30",
            "    special_days: {'02-30': closed}\n    overflow:\n      - {after_s: 30",
            "sb.yaml:11: tenants.vetlanda.special_days: '02-30' is not a month-day: "
            "day is out of range for month",
        ),
        (
            "    overflow:\n      - {after_s: 30",
            "    special_days: {'christmas': closed}\n    overflow:\n      - {after_s: 30",
            "sb.yaml:11: tenants.vetlanda.special_days: 'christmas' is neither YYYY-MM-DD nor MM-DD",
        ),
        (
            'fri: "07:30-15:00"',
            'friday: "07:30-15:00"',
            "sb.yaml:8: tenants.vetlanda.hours: 'friday' is not a day or day range "
            "(mon..sun, mon-fri, sat,sun)",
        ),
        (
            'fri: "07:30-15:00"',
            'fri-mon: "07:30-15:00"',
            "sb.yaml:8: tenants.vetlanda.hours: 'fri-mon' runs backwards",
        ),
        (
            "tenants:\n",
            "selection: fastest\ntenants:\n",
            "sb.yaml:1: selection: must be one of longest_idle, fewest_calls, best_skill, round_robin",
        ),
        (
            'numbers: ["+4638215000"]',
            "numbers: []",
            "sb.yaml:16: tenants.savsjo.numbers: the tenant has no number, so no call can reach it",
        ),
        (
            "skills: {vaxel: 5}}\n",
            "skills: {vaxel: 5}}\n  bo: {device: PJSIP/1001, home: savsjo}\n",
            "sb.yaml:22: agents.bo.device: device PJSIP/1001 is also agent 'asa'",
        ),
    ],
)
def test_more_problems(old: str, new: str, expected: str) -> None:
    assert old in BASE
    found = problems(BASE.replace(old, new, 1))
    assert expected in found, found


def test_yearly_special_day_and_agent_without_skills_section() -> None:
    text = BASE.replace(
        "    overflow:\n",
        "    special_days: {'12-24': closed, '2026-12-23': '08:00-12:00'}\n    overflow:\n",
        1,
    )
    config = parse_config(text, "sb.yaml", {})
    assert config.tenants["vetlanda"].special_days["12-24"] == "closed"
