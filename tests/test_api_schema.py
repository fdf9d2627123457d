"""schemathesis against /api/openapi.json on the test app (WSGI, no server): every operation
answered with generated requests, valid and invalid ones, with a bureau token that may write;
bounded (a few examples per operation, well under a minute); no server error and every answer
as described."""
from __future__ import annotations

import itertools
import time

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.test_forms_roundtrip import make_city

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def api(app, org, make_project):
    """The test app with the round-trip city, and a bureau token that may write."""
    from portal.api import tokens

    with app.app_context():
        make_city(org, make_project)
        secret = tokens.issue(org.users["bureau"], "schemathesis", 1, read_only=False).secret
    app.config["API_RATE_LIMIT"] = 1_000_000  # the fuzzing is not what the limit is for
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app), secret


def test_every_operation_answers_as_described(api):
    # schemathesis's pytest plugin (from_fixture) does not run under pytest 9: its Python API
    # gives each operation's Hypothesis strategy instead.
    schema, secret = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    started = time.monotonic()
    for operation, mode in itertools.product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), database=None)
        def answers_as_described(case):
            # identity: the WSGI transport does not undo Flask-Compress as an HTTP client would
            case.call_and_validate(headers={"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"},
                                   checks=CHECKS)

        answers_as_described()
    assert time.monotonic() - started < 60
