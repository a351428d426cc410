"""A year's build lock (evaluation.reports._year_lock) never outlives a failed release on a kept connection."""

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from evaluation import reports

pytestmark = pytest.mark.django_db(transaction=True)


def _free_elsewhere(year):
    """Whether another connection can take the year's lock (and gives it back at once)."""
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [reports.LOCK_NAMESPACE, year])
            taken = cursor.fetchone()[0]
            if taken:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [reports.LOCK_NAMESPACE, year])
            return taken
    finally:
        side.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory locks")
def test_the_lock_is_given_back_after_the_build():
    with reports._year_lock(2031):
        assert not _free_elsewhere(2031)
    assert _free_elsewhere(2031)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory locks")
def test_a_lock_that_could_not_be_given_back_goes_with_its_connection():
    def failing_unlock(execute, sql, params, many, context):
        if "pg_advisory_unlock" in sql:
            raise DatabaseError("the connection broke while giving the lock back")
        return execute(sql, params, many, context)

    with pytest.raises(DatabaseError), connection.execute_wrapper(failing_unlock), reports._year_lock(2032):
        assert not _free_elsewhere(2032)
    # The kept connection held the lock: it was closed rather than kept for the next request.
    assert connection.connection is None
    assert _free_elsewhere(2032)
