"""The enrollments' person and session keys lose the index each had of its own.

Other indexes begin with each key (one_enrollment_per_person_and_session and
enrollment_user_status with user_id, enrollment_session_queue with session_id), so the
two were kept up by every enrollment written for nothing. Left to itself, Django drops
and adds back both foreign keys to drop an index (checking 2.5 million enrollments again,
while it holds the users, sessions and enrollments locked): only the model state changes
here, and the database drops the two indexes alone — CONCURRENTLY on PostgreSQL, without
locking out writes, so outside a transaction.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The names Django gave the keys' own indexes (a hash of the table and column: the same on every database).
INDEXES = (
    ("programs_enrollment_user_id_a251c01a", "user_id"),
    ("programs_enrollment_session_id_bb35211c", "session_id"),
)


def _concurrently(schema_editor):
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {quote(name)}")


def add_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {quote(name)} "
            f"ON {quote('programs_enrollment')} ({quote(column)})"
        )


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('programs', '0015_program_updated'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='enrollment',
                    name='session',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='enrollments', to='programs.session', verbose_name='session'),
                ),
                migrations.AlterField(
                    model_name='enrollment',
                    name='user',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='enrollments', to=settings.AUTH_USER_MODEL, verbose_name='person'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, add_indexes)],
        ),
    ]
