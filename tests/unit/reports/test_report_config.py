"""The `reports:` section of the configuration: defaults, values, and FILE:LINE problems."""

from __future__ import annotations

import pytest

from switchboard.config.errors import ConfigError
from switchboard.config.loader import parse_config
from tests.unit.test_config import BASE

REPORTS = """\
reports:
  short_abandon_s: 8
  currency: SEK
  price_per_minute: 4.5
  partner_prices: {savsjo: 5.25}
"""


def test_reports_section_is_optional_with_defaults() -> None:
    reports = parse_config(BASE, "sb.yaml", {}).reports
    assert (reports.short_abandon_s, reports.price_per_minute, reports.currency) == (
        5.0,
        None,
        None,
    )
    assert reports.partner_prices == {}


def test_reports_section_values() -> None:
    reports = parse_config(BASE + REPORTS, "sb.yaml", {}).reports
    assert (reports.short_abandon_s, reports.price_per_minute, reports.currency) == (8, 4.5, "SEK")
    assert reports.partner_prices == {"savsjo": 5.25}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "short_abandon_s: 8",
            "short_abandon_s: -1",
            "sb.yaml:23: reports.short_abandon_s: Input should be greater than or equal to 0",
        ),
        (
            "currency: SEK",
            "currency: kronor",
            "sb.yaml:24: reports.currency: String should match pattern '^[A-Z]{3}$'",
        ),
        (
            "price_per_minute: 4.5",
            "price_per_minute: cheap",
            "sb.yaml:25: reports.price_per_minute: Input should be a valid number, "
            "unable to parse string as a number",
        ),
        (
            "{savsjo: 5.25}",
            "{nassjo: 5.25}",
            "sb.yaml:26: reports.partner_prices.nassjo: unknown tenant 'nassjo'",
        ),
        (
            "{savsjo: 5.25}",
            "{savsjo: -2}",
            "sb.yaml:26: reports.partner_prices.savsjo: Input should be greater than or equal to 0",
        ),
        (
            "  currency: SEK",
            "  currency: SEK\n  pricing: 4",
            "sb.yaml:25: reports.pricing: Extra inputs are not permitted",
        ),
    ],
)
def test_report_problems_have_line_and_path(old: str, new: str, expected: str) -> None:
    text = (BASE + REPORTS).replace(old, new, 1)
    with pytest.raises(ConfigError) as info:
        parse_config(text, "sb.yaml", {})
    assert expected in info.value.lines(), info.value.lines()
