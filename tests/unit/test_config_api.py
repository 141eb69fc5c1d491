"""engine.api tokens: their values from the file or the environment, every problem named."""

from __future__ import annotations

import pytest

from switchboard.config.errors import ConfigError
from switchboard.config.loader import parse_config
from tests.unit.test_config import BASE

TOKENS = """\
engine:
  api:
    tokens:
      hall: {role: wallboard}
      asa: {role: operator, agent: asa, token: operator-token-0123456}
      lisa: {role: supervisor, tenants: [vetlanda]}
"""


def test_token_values_come_from_the_environment_and_stay_secret() -> None:
    environ = {
        "SWITCHBOARD_API__TOKENS__HALL__TOKEN": "hall-token-0123456789",
        "SWITCHBOARD_API__TOKENS__LISA__TOKEN": "lisa-token-0123456789",
        "SWITCHBOARD_API__TOKENS__LISA__TENANTS": "vetlanda, savsjo",
    }
    config = parse_config(TOKENS + BASE, "sb.yaml", environ)
    tokens = config.engine.api.tokens
    assert tokens["lisa"].tenants == ("vetlanda", "savsjo")
    assert "lisa-token" not in repr(tokens["lisa"])
    assert set(config.engine.secrets()) >= {"hall-token-0123456789", "operator-token-0123456"}


def test_every_token_problem_is_named_with_its_line() -> None:
    text = """\
engine:
  api:
    tokens:
      hall: {role: wallboard}
      short: {role: admin, token: abc}
      op: {role: operator, token: operator-token-0123456}
      ghost: {role: operator, agent: nobody, token: ghost-token-0123456789}
      lisa: {role: supervisor, tenants: [atlantis], token: lisa-token-0123456789}
      twin: {role: admin, token: lisa-token-0123456789}
      who: {role: boss, token: who-token-0123456789}
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text + BASE, "sb.yaml", {})
    lines = info.value.lines()
    assert any(
        line.startswith("sb.yaml:4: engine.api.tokens.hall: token is missing") for line in lines
    )
    assert any("engine.api.tokens.short: token must be at least 16" in line for line in lines)
    assert any("engine.api.tokens.op: an operator token needs the agent" in line for line in lines)
    assert "sb.yaml:7: engine.api.tokens.ghost.agent: unknown agent 'nobody'" in lines
    assert "sb.yaml:8: engine.api.tokens.lisa.tenants.0: unknown tenant 'atlantis'" in lines
    assert any("engine.api.tokens.who.role" in line for line in lines)
