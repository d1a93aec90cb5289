"""A bounded schemathesis run over the whole OpenAPI document: no generated request gets a 5xx.

Schemathesis generates the cases (a fixed seed, a fixed number per operation, so a run is repeatable and
takes about a minute); they are replayed through the suite's in-process client, on the test's own event
loop, because the database pool belongs to that loop. Each operation is tried anonymously and with a
programme organiser's token, with an event, a session and a registration in the database so that small
generated ids reach real rows.
"""

from __future__ import annotations

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

from events.api import API_PREFIX

#: Cases per operation and identity; with the seed, what makes the run repeatable and bounded.
EXAMPLES_PER_OPERATION = 8
SEED = 20271012

pytestmark = pytest.mark.slow


def _operations(app) -> list:
    schema = schemathesis.openapi.from_dict(app.openapi_schema.to_schema())
    return [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]


def _cases(operation, mode: GenerationMode) -> list:
    """``EXAMPLES_PER_OPERATION`` cases of ``operation`` (valid ones, or ones the schema refuses), the
    same ones on every run."""
    cases: list = []

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def collect(case) -> None:
        cases.append(case)

    try:
        collect()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing to get wrong: an operation without parameters or body has no invalid request
    return cases


def _request(case, headers: dict[str, str]) -> httpx.Request:
    """The case as the bytes schemathesis would send (JSON, multipart or form), for httpx to send."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver.local", headers=headers)
    kwargs.pop("timeout", None)
    kwargs.pop("verify", None)
    kwargs.pop("allow_redirects", None)
    prepared = requests.Request(**kwargs).prepare()
    return httpx.Request(
        prepared.method, prepared.url, headers=dict(prepared.headers), content=prepared.body or b""
    )


async def _seed(client, event, organiser) -> None:
    """A walk-in registration (approved) and a session in the event, through the API."""
    person = {
        "given_names": "Amina",
        "family_name": "Diallo",
        "email": "amina@example.org",
        "gender": "female",
        "nationality": "SEN",
        "country_represented": "SEN",
        "institution": "Ministry of Finance",
        "level": "high",
        "consent": True,
    }
    answer = await client.post(
        f"{API_PREFIX}/events/{event.id}/walk-ins", json=person, headers=organiser.headers
    )
    assert answer.status_code == 201, answer.text


async def test_no_generated_request_gets_a_server_error(client, app, event, programme_organiser):
    await _seed(client, event, programme_organiser)
    identities = {"anonymous": {}, "organiser": programme_organiser.headers}
    operations = _operations(app)
    assert len(operations) > 100
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases = _cases(operation, mode)
            for identity, headers in identities.items():
                for case in cases:
                    request = _request(case, headers)
                    response = await client.send(request)
                    if response.status_code >= 500:
                        failures.append(
                            f"{identity} {request.method} {request.url} -> {response.status_code}: "
                            f"{response.text[:300]}"
                        )
    assert not failures, "\n".join(failures)
