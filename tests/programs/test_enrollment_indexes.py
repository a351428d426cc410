"""The enrollments table keeps no index that another one already begins with (2.5 million rows at movement scale)."""

import pytest
from django.db import connection

from programs.models import Enrollment

pytestmark = pytest.mark.django_db


def _constraints():
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, Enrollment._meta.db_table)


def _indexes():
    """{name: columns} of every index, those behind a unique constraint or the primary key too."""
    return {
        name: tuple(details["columns"])
        for name, details in _constraints().items()
        if details["index"] or details["unique"] or details["primary_key"]
    }


def test_no_index_of_the_enrollments_is_the_beginning_of_another():
    indexes = _indexes()
    assert len(indexes) >= 4  # the key, the one enrollment per person and session, and the two below
    redundant = [
        (name, other)
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if other != name and len(longer) >= len(columns) and longer[: len(columns)] == columns
    ]
    assert redundant == []


def test_one_persons_and_one_sessions_enrollments_are_still_read_from_an_index_and_their_keys_still_checked():
    assert {"user_id", "session_id"} <= {columns[0] for columns in _indexes().values()}
    foreign = {
        tuple(details["columns"]): details["foreign_key"][0]
        for details in _constraints().values()
        if details["foreign_key"]
    }
    assert foreign[("user_id",)] == "stakeholders_user"
    assert foreign[("session_id",)] == "programs_session"
