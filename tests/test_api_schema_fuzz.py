"""Schemathesis over the OpenAPI schema with a manager's token: no client input may get a 5xx, and every
response must be one the schema documents (its status code, content type and body).

The budget is bounded (EXAMPLES_PER_OPERATION cases, positive and negative, for each operation), so the
test takes about a minute on two cores; `SCHEMA_FUZZ_EXAMPLES=500` runs a deeper probe by hand.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from integrations.models import WebhookEndpoint
from tests.factories import ContactFactory, SurveyFactory
from tests.followup.helpers import detractor_case

EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "15"))
ADMIN_ONLY = ("/api/v1/webhooks/",)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The real WSGI app in this thread, on the test's database connection: like Django's test client, the
    request signals must not close that connection (it holds the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _operations(app):
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    return [result.ok() for result in schema.get_all_operations()]


def _takes_input(operation) -> bool:
    """An operation without parameters or body (GET /api/v1/agreement/) has nothing a client can get wrong
    (its only headers are the credentials'): it gets no negative cases."""
    return bool(len(operation.path_parameters) or len(operation.query) or list(operation.body))


def _fuzz(operation, mode, headers, outcomes: Counter, failures: list, path_parameters=None) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,  # the same cases every run: a red test stays red until fixed
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case):
        response = case.call(headers=headers)
        outcomes["requests"] += 1
        outcomes["5xx"] += response.status_code >= 500
        outcomes["2xx"] += 200 <= response.status_code < 300
        outcomes["401"] += response.status_code == 401
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:  # collected, then reported at once
            for failure in group.exceptions:
                failures.append(f"{operation.label} [{mode.value}] → {response.status_code}: {failure.title}")
        except Failure as failure:
            failures.append(f"{operation.label} [{mode.value}] → {response.status_code}: {failure.title}")

    run()


@pytest.mark.django_db
def test_it_never_answers_client_input_with_a_5xx_or_off_schema(wsgi_app, manager, admin_user, capsys):
    # Real rows for the operations on one: generated ids find nothing (404) but these.
    real = {
        "/api/v1/surveys/{id}/": SurveyFactory(public_slug="existing").pk,
        "/api/v1/contacts/{id}/": ContactFactory().pk,
        "/api/v1/cases/{id}/": detractor_case().pk,  # open: no owner and no root cause yet
        "/api/v1/webhooks/{id}/": WebhookEndpoint.objects.create(
            url="https://hooks.example.com/", events=["case.opened"]
        ).pk,
    }
    headers = {"Authorization": f"Token {Token.objects.create(user=manager).key}"}
    # Admin-only operations are fuzzed as an admin (a manager's 403 would probe nothing).
    admin_headers = {"Authorization": f"Token {Token.objects.create(user=admin_user).key}"}
    outcomes: Counter = Counter()
    failures: list[str] = []
    for operation in _operations(wsgi_app):
        headers_for = admin_headers if operation.path.startswith(ADMIN_ONLY) else headers
        for mode in (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            if _takes_input(operation)
            else (GenerationMode.POSITIVE,)
        ):
            _fuzz(operation, mode, headers_for, outcomes, failures)
        for prefix, pk in real.items():
            if operation.path.startswith(prefix):
                _fuzz(operation, GenerationMode.POSITIVE, headers_for, outcomes, failures, path_parameters={"id": pk})
    with capsys.disabled():
        print(
            f"\nschemathesis: {outcomes['requests']} requests, {outcomes['2xx']} 2xx, {outcomes['5xx']} 5xx, "
            f"{len(failures)} failures"
        )
    assert outcomes["401"] == 0 and outcomes["2xx"] > outcomes["requests"] // 10  # the token works: a real probe
    distinct = Counter(failures)
    assert not failures, "\n".join(f"{count} × {failure}" for failure, count in distinct.most_common())
