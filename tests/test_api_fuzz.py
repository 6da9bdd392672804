"""Schemathesis over the whole OpenAPI of /api/v1/ as anonymous, a member and an officer.

Every operation gets a bounded number of generated requests (``OPENSTX_FUZZ_EXAMPLES``, default
below) sent to the Django WSGI application in-process. Each response must: not be a 5xx, carry a
documented status code, and match the documented response schema. Failures are collected over the
whole run and reported together, grouped by operation and check.

``OPENSTX_FUZZ_REPORT=1`` prints the counts per check instead of failing (used to measure).
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup  # noqa: E402

#: Generated requests per operation and role. CI runs the suite on SQLite and again on
#: PostgreSQL; the second run uses fewer (the API code is the same, the database adapter is not).
EXAMPLES_SQLITE, EXAMPLES_OTHER = 8, 3
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _seed() -> dict[str, Any]:
    """A few records of each kind so detail routes have something to find."""
    from openstx.accounts import services as accounts
    from openstx.accounts.models import Membership, User
    from openstx.exchange.models import ListingStatus
    from tests.exchange.factories import DemandFactory, OfferFactory
    from tests.factories import ExpertFactory, MembershipFactory, OrganizationFactory, UserFactory

    org = OrganizationFactory(external_id="ORG-1")
    ExpertFactory(organization=org, external_id="EXP-1")
    member = UserFactory(username="fuzz-member")
    MembershipFactory(user=member, organization=org, role=Membership.Role.ADMIN)
    officer = UserFactory(username="fuzz-officer", role=User.Role.OFFICER)
    OfferFactory(owner=org, external_id="OFF-1", status=ListingStatus.PUBLISHED)
    OfferFactory(owner=org, external_id="OFF-2")  # a draft: visible to its owner and staff
    DemandFactory(requester=org, external_id="DEM-1", status=ListingStatus.PUBLISHED)
    return {
        "anonymous": {},
        "member": {
            "Authorization": "Bearer " + accounts.create_token(member, "fuzz").secret,
        },
        "officer": {
            "Authorization": "Bearer " + accounts.create_token(officer, "fuzz").secret,
        },
    }


def _label(check: Any) -> str:
    return getattr(check, "__name__", str(check))


def _examples() -> int:
    from django.db import connection

    default = EXAMPLES_SQLITE if connection.vendor == "sqlite" else EXAMPLES_OTHER
    return int(os.environ.get("OPENSTX_FUZZ_EXAMPLES", default))


def _runner(operation: Any, role: str, headers: dict[str, str], record: Any) -> Any:
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=strategy)
    @settings(
        max_examples=_examples(),
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        record(operation, role, case, response, None)
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except (AssertionError, FailureGroup) as exc:
                record(operation, role, case, response, (check, exc))

    return run


@pytest.fixture
def _keep_connection() -> Any:
    """Like Django's test Client: requests must not close the test's database connection (on
    PostgreSQL the test's transaction lives on it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_connection")
def test_api_fuzz() -> None:
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    roles = _seed()
    failures: dict[tuple[str, str, str], str] = {}
    counts: Counter[str] = Counter()
    calls = 0

    def record(operation: Any, role: str, case: Any, response: Any, failure: Any) -> None:
        nonlocal calls
        if failure is None:
            calls += 1
            return
        check, exc = failure
        key = (operation.label, role, _label(check))
        counts[_label(check)] += 1
        failures.setdefault(
            key,
            f"{case.method} {case.formatted_path} {case.query or ''} -> {response.status_code} "
            + str(exc)[:300],
        )

    for result in schema.get_all_operations():
        operation = result.ok()
        for role, headers in roles.items():
            _runner(operation, role, headers, record)()

    by_check: dict[str, int] = defaultdict(int)
    for _op, _role, check in failures:
        by_check[check] += 1
    summary = (
        f"{calls} calls; failing (operation, role) pairs per check: {dict(by_check)}; "
        f"failing responses per check: {dict(counts)}"
    )
    if os.environ.get("OPENSTX_FUZZ_REPORT"):
        print(summary)
        for key, text in sorted(failures.items()):
            print(" | ".join(key), "::", text.replace("\n", " "))
        return
    assert not failures, (
        summary
        + "\n"
        + "\n".join(
            " | ".join(k) + " :: " + v.replace("\n", " ") for k, v in sorted(failures.items())
        )
    )
