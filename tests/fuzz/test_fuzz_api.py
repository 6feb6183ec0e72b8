"""Every operation of the JSON API fuzzed from its own OpenAPI document (schemathesis):
valid parameters and bodies, and invalid ones (wrong types, missing and unknown
fields), with an admin token so that writes run too.
No answer may be a 500, and every answer must fit the schema the document declares
for it (status, content type, body).

The site is small and its own; passes and source polls are left out (they would fetch
from the network and run for long), and are tested in tests/test_api.py.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from babelwire.jobs.audit import Actor
from babelwire.jobs.tokens import create_token
from babelwire.storage.database import scratch_schema
from babelwire.web.app import create_app
from tests.conftest import PG_URL
from tests.fuzz.conftest import FUZZ_SECONDS
from tests.record_site import record_site

EXAMPLES = 15  # per operation and kind of data, in `make test`
LEFT_OUT = ("/passes", "/sources/{source_id}/refresh")
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_schema(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    root: Path = tmp_path_factory.mktemp("fuzz-api")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{root / 'api.sqlite3'}"
        elif PG_URL:
            url = stack.enter_context(scratch_schema(PG_URL))
        else:
            pytest.skip("BABELWIRE_TEST_DATABASE_URL is not set")
        site = record_site(root / "site", url)
        stack.callback(site.newsroom.close)
        _, token = create_token(site.newsroom, "fuzz", "admin", actor=Actor("cli:fuzz", "cli"))
        # Limits would answer 429 to a fuzzer: they have tests of their own.
        settings_ = site.newsroom.config.settings
        api = settings_.api
        from dataclasses import replace

        site.newsroom.config = replace(
            site.newsroom.config,
            settings=replace(
                settings_,
                api=replace(api, address_requests_per_minute=0, token_requests_per_minute=0),
            ),
        )
        app = create_app(site.newsroom)
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        schema = schema.exclude(path=list(LEFT_OUT))
        schema.config.headers = {"Authorization": f"Bearer {token}"}
        yield schema


def _fuzz(operation: Any, mode: GenerationMode, examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=not FUZZ_SECONDS,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    run()


def test_no_operation_fails_or_breaks_its_schema(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    deadline = time.monotonic() + FUZZ_SECONDS
    rounds = 0
    while True:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, EXAMPLES if not FUZZ_SECONDS else 200)
                except Unsatisfiable:
                    # Nothing of it can be invalid: an operation without parameters.
                    assert mode is GenerationMode.NEGATIVE, operation.path
                except Exception as error:
                    where = f"{operation.method.upper()} {operation.path} ({mode.value} data)"
                    raise AssertionError(where) from error
        rounds += 1
        if time.monotonic() >= deadline:
            break
    if FUZZ_SECONDS:
        print(f"\nAPI: {rounds} rounds of {len(operations)} operations, no failure")
