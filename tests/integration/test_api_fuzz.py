"""The OpenAPI document fuzzed with schemathesis against the running engine (the fake PBX behind
it): no 5xx, and every answer has a documented status, content type and schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api_world import Served, bearer, served
from tests.integration.engine_world import VETLANDA

EXAMPLES = 12  # per operation and mode: the whole run stays within seconds
# schemathesis 4.32 rewrites `prefixItems` (pairs in the reports' figures) into draft-4 `items`
# and then rejects its own rewrite; these answers are checked with jsonschema below instead.
TUPLES = frozenset({"/api/reports", "/api/matrix"})
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One engine for every operation, with callers waiting and an operator logged in."""
    with served(tmp_path_factory.mktemp("fuzz")) as s:

        async def busy() -> None:
            await s.world.w.login("1001")
            for n in range(3):
                s.world.w.sim.place_call(VETLANDA, f"070100000{n}")

        s.run(busy())
        yield s


@pytest.fixture(scope="module")
def api_schema(daemon: Served) -> schemathesis.BaseSchema:
    """The document as the engine serves it (the endless stream is left out)."""
    loaded = schemathesis.openapi.from_url(f"{daemon.base}/api/openapi.json")
    return loaded.exclude(path="/api/stream")


def test_no_operation_fails_or_answers_off_its_document(
    api_schema: schemathesis.BaseSchema, daemon: Served
) -> None:
    # Each operation's strategy driven by hypothesis directly (schemathesis' pytest plugin does
    # not run under pytest 9), valid inputs and invalid ones alike.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, daemon)


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, daemon: Served) -> None:
    checks = list(CHECKS)
    if operation.path in TUPLES:
        checks.remove(response_schema_conformance)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=daemon.base, headers=bearer("admin"), checks=checks, timeout=10
        )

    run()


def test_the_document_is_openapi_3_1_with_every_operation(
    api_schema: schemathesis.BaseSchema,
) -> None:
    raw = api_schema.raw_schema
    assert raw["openapi"] == "3.1.0"
    assert "/api/agents/{agent}/pause" in raw["paths"]
    assert raw["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_report_answers_match_their_schemas(daemon: Served) -> None:
    document = requests.get(f"{daemon.base}/api/openapi.json", timeout=10).json()
    for path in ("/api/matrix", "/api/reports?from=2026-01-01&to=2026-12-31"):
        answer = requests.get(f"{daemon.base}{path}", headers=bearer("admin"), timeout=10)
        schema = document["paths"][path.split("?")[0]]["get"]["responses"]["200"]["content"]
        # the document's components at the root, where the answer's `#/components/...` points
        root = {**schema["application/json"]["schema"], "components": document["components"]}
        Draft202012Validator(root).validate(answer.json())
