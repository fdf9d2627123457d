"""schemathesis against /api/openapi.json on the demo city (`portal demo`'s data, served through
WSGI, no server): every operation answered with generated requests, valid and invalid ones,
with writing tokens of the bureau and of a county; bounded by examples per operation (not by a
clock: timed tests fail on a loaded machine); no server error and every answer as described."""
from __future__ import annotations

import itertools

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

from portal.timeutil import today

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def api(app):
    """The demo city, and writing tokens of the bureau's clerk and of a county's (Donghu)."""
    from portal.api import tokens
    from portal.demo import build_demo
    from portal.models import User

    with app.app_context():
        build_demo("demo-pass-2026", today())
        secrets = [tokens.issue(User.get(User.username == name), "schemathesis", 1, read_only=False).secret
                   for name in ("bureau", "donghu")]
    app.config["API_RATE_LIMIT"] = 1_000_000  # the fuzzing is not what the limit is for
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app), secrets


def test_every_operation_answers_as_described(api):
    # schemathesis's pytest plugin (from_fixture) does not run under pytest 9: its Python API
    # gives each operation's Hypothesis strategy instead.
    schema, secrets = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    for operation, mode, secret in itertools.product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
                                                     secrets):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), database=None)
        def answers_as_described(case):
            # identity: the WSGI transport does not undo Flask-Compress as an HTTP client would
            case.call_and_validate(headers={"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"},
                                   checks=CHECKS)

        answers_as_described()
