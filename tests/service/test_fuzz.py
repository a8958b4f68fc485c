"""Schemathesis against the running service's own OpenAPI document: generated requests to every
operation (valid and invalid), a bounded number each. No answer may be a 5xx, and every answer
must match the documented status codes, content types and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core.result import Ok
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.service.servers import Service, started

EXAMPLES_PER_OPERATION = 40
CHECKS: list[CheckFunction] = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
calls: list[str] = []


@pytest.fixture(scope="module")
def fuzzed_service(tmp_path_factory: pytest.TempPathFactory, tts_cache: Path) -> Iterator[Service]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    # One worker and a short queue: generated /render jobs must not keep the box busy (a
    # full queue answers 429, which is documented).
    env = {"TTS_CACHE_DIR": str(tts_cache), "VIDEO_PRESET": "ultrafast", "FFMPEG_THREADS": "1",
           "WEBHOOK_URL": "", "API_KEY": "", "MAX_CONCURRENT_JOBS": "1", "MAX_QUEUED_JOBS": "2",
           "MAX_LONG_SIDE": "320"}  # fmt: skip
    yield from started(Service(data, env))


@pytest.fixture(scope="module")
def api_schema(fuzzed_service: Service) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzzed_service.url}/openapi.json")


# (The pytest plugin's lazy `from_fixture` loader does not run under pytest 9; Hypothesis is
# driven directly instead, with the operations' own strategies.)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(api_schema: BaseSchema, mode: GenerationMode) -> None:
    operations = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the document itself is valid
        operations.append(result.ok())
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case[Any]) -> None:
            calls.append(case.operation.label)  # "GET /status/{job_id}", not the concrete path
            case.call_and_validate(checks=CHECKS, timeout=120)

        try:
            call()
        except Unsatisfiable:  # nothing about it can be made invalid (GET /health)
            assert mode is GenerationMode.NEGATIVE, operation.label


def test_fuzz_cases_were_run() -> None:
    """Runs after the fuzzing above (same module): it really sent requests."""
    assert len(calls) >= 100, len(calls)
    print(f"\nschemathesis: {len(calls)} cases over {len(set(calls))} operations")
