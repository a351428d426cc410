"""Each allocation's spending, added up and kept by the database as expenditures change.

The funder dashboard added up the expenditures of the allocations in view in six queries
of its own (spent in all, by region and quarter, capacity, method and recipient, and the
overspent ones), each joining every expenditure to its allocation again: most of the
dashboard's SQL once a funder has spending. `resources_allocationspending` holds one row
per allocation with expenditures (their sum in its currency and in USD, how many, how
many without USD), so those figures become sums over the allocations the dashboard reads
anyway.

Triggers keep it, not Python: every write of an expenditure (the services, a re-rating, a
bulk load, a test's fixture) moves it in the same statement, so it cannot fall behind or
be overwritten by a stale copy. An update takes the old row away and adds the new one; a
delete takes it away and drops the allocation's row when nothing is left. PostgreSQL and
SQLite (the embedded default) each get their own dialect of the same three steps. The rows
of expenditures already recorded are added up once here.
"""

import django.db.models.deletion
from django.db import migrations, models

# The columns of both tables, written once for both dialects.
ADD = """
    INSERT INTO resources_allocationspending (allocation_id, spent, spent_usd, expenditures, without_usd)
    VALUES (NEW.allocation_id, NEW.amount, COALESCE(NEW.usd_amount, 0), 1,
            CASE WHEN NEW.usd_amount IS NULL THEN 1 ELSE 0 END)
    ON CONFLICT (allocation_id) DO UPDATE SET
        spent = resources_allocationspending.spent + excluded.spent,
        spent_usd = resources_allocationspending.spent_usd + excluded.spent_usd,
        expenditures = resources_allocationspending.expenditures + 1,
        without_usd = resources_allocationspending.without_usd + excluded.without_usd;
"""
TAKE_AWAY = """
    UPDATE resources_allocationspending SET
        spent = spent - OLD.amount,
        spent_usd = spent_usd - COALESCE(OLD.usd_amount, 0),
        expenditures = expenditures - 1,
        without_usd = without_usd - CASE WHEN OLD.usd_amount IS NULL THEN 1 ELSE 0 END
    WHERE allocation_id = OLD.allocation_id;
    DELETE FROM resources_allocationspending WHERE allocation_id = OLD.allocation_id AND expenditures = 0;
"""

POSTGRESQL = f"""
CREATE FUNCTION resources_expenditure_spending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {TAKE_AWAY}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {ADD}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER resources_expenditure_spending
    AFTER INSERT OR UPDATE OF allocation_id, amount, usd_amount OR DELETE ON resources_expenditure
    FOR EACH ROW EXECUTE FUNCTION resources_expenditure_spending();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS resources_expenditure_spending ON resources_expenditure;
DROP FUNCTION IF EXISTS resources_expenditure_spending();
"""

SQLITE = [
    f"CREATE TRIGGER resources_expenditure_spending_insert AFTER INSERT ON resources_expenditure BEGIN {ADD} END",
    "CREATE TRIGGER resources_expenditure_spending_update"
    " AFTER UPDATE OF allocation_id, amount, usd_amount ON resources_expenditure"
    f" BEGIN {TAKE_AWAY} {ADD} END",
    f"CREATE TRIGGER resources_expenditure_spending_delete AFTER DELETE ON resources_expenditure BEGIN {TAKE_AWAY} END",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS resources_expenditure_spending_{event}" for event in ("insert", "update", "delete")
]

BACKFILL = """
INSERT INTO resources_allocationspending (allocation_id, spent, spent_usd, expenditures, without_usd)
SELECT allocation_id, SUM(amount), COALESCE(SUM(usd_amount), 0), COUNT(*),
       SUM(CASE WHEN usd_amount IS NULL THEN 1 ELSE 0 END)
FROM resources_expenditure GROUP BY allocation_id
"""


def _statements(vendor, forward):
    if vendor == "postgresql":
        return [POSTGRESQL if forward else POSTGRESQL_REVERSE]
    if vendor == "sqlite":
        return SQLITE if forward else SQLITE_REVERSE
    raise NotImplementedError(f"No spending triggers written for {vendor}.")


def keep_spending(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, forward=True):
        schema_editor.execute(statement, params=None)
    schema_editor.execute(BACKFILL, params=None)


def stop_keeping_spending(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, forward=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0006_dashboard_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="AllocationSpending",
            fields=[
                (
                    "allocation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="spending",
                        serialize=False,
                        to="resources.allocation",
                        verbose_name="allocation",
                    ),
                ),
                (
                    "spent",
                    models.DecimalField(
                        decimal_places=4, max_digits=20, verbose_name="spent, in the allocation's currency"
                    ),
                ),
                (
                    "spent_usd",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="spent, in US dollars"),
                ),
                ("expenditures", models.PositiveIntegerField(verbose_name="expenditures")),
                (
                    "without_usd",
                    models.PositiveIntegerField(verbose_name="expenditures without a value in US dollars"),
                ),
            ],
            options={
                "verbose_name": "spending of an allocation",
                "verbose_name_plural": "spending of allocations",
            },
        ),
        migrations.RunPython(keep_spending, stop_keeping_spending),
    ]
