"""A full-text index for the catalog search, on PostgreSQL only.

The expression matches programs.filters.search_programs exactly, which is what lets
PostgreSQL use it. SQLite has no such index; its search falls back to LIKE.
"""

from django.db import migrations

INDEX = "program_search_document_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON programs_program "
        "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_document, '')))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_initial")]

    operations = [migrations.RunPython(create, drop)]
