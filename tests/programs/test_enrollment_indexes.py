"""The enrollments table keeps no index that another one already begins with (2.5 million rows at movement scale)."""

import pytest
from django.db import connection

from programs.models import Enrollment

pytestmark = pytest.mark.django_db


def _indexes(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: tuple(details["columns"]) for name, details in constraints.items() if details["index"]}


def test_no_index_of_the_enrollments_is_the_beginning_of_another():
    indexes = _indexes(Enrollment._meta.db_table)
    redundant = [
        (name, other)
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if other != name and len(longer) > len(columns) and longer[: len(columns)] == columns
    ]
    assert redundant == []


def test_one_persons_and_one_sessions_enrollments_are_still_read_from_an_index():
    leading = {columns[0] for columns in _indexes(Enrollment._meta.db_table).values()}
    assert {"user_id", "session_id"} <= leading
