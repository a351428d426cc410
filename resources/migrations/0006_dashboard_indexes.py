"""The funder dashboard's drill-down lists allocations newest first, 25 at a time.

Read from this index, a page stops after its 25 rows instead of sorting every
allocation of the funder's funds (100,000 in the benchmark). Plain SQL, so the model
state (and `makemigrations --check`) is unchanged; SQLite supports the same statement.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0005_audit_allocation_purpose"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS allocation_start_newest ON resources_allocation (starts_on DESC, id DESC)",
            reverse_sql="DROP INDEX IF EXISTS allocation_start_newest",
        ),
    ]
