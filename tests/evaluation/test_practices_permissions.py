"""The practice rows of the permission matrix, tried on their own until the matrix registers them.

Once tests/test_permission_matrix.py lists tests/permission_rows/practices.py in its
AREA_MODULES, this module only repeats it and may be deleted.
"""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.permission_rows import PERSONAS
from tests.permission_rows import practices as rows
from tests.test_permission_matrix import AREA_MODULES, outcome_of, scenario  # noqa: F401 (a fixture)

CASES = [(name, method) for name, row in rows.ROWS.items() for method in row.methods]


@pytest.fixture
def practice_scenario(scenario):  # noqa: F811
    if rows not in AREA_MODULES:
        rows.build(scenario)
    return scenario


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{name}-{method}" for name, method in CASES])
def test_each_persona_gets_what_the_roles_allow_on_practices(practice_scenario, name, method):
    row = rows.ROWS[name]
    build_data, expected = row.methods[method]
    url = reverse(name, kwargs=row.kwargs(practice_scenario) if row.kwargs else None)
    data = build_data(practice_scenario) if build_data else {}
    got = {}
    for persona in PERSONAS:
        cache.clear()
        with transaction.atomic():
            client = Client()
            if practice_scenario.people[persona] is not None:
                client.force_login(practice_scenario.people[persona])
            response = client.get(url, data) if method == "GET" else client.post(url, data)
            got[persona] = outcome_of(response, method)
            transaction.set_rollback(True)
    wrong = {p: f"expected {expected[p]}, got {got[p]}" for p in PERSONAS if got[p] != expected[p]}
    assert not wrong, f"{method} {url}: {wrong}"
