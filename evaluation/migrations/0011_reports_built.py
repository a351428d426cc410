"""The reports each year's build wrote rows for, kept beside the rows (evaluation.ReportBuilt).

The reports' index listed them by grouping every report row (4.4 million at movement
scale, about two seconds, once per build and per reader until it was kept). Each build
now writes the year's list in the transaction that writes its rows; this fills it from
the rows already there, one GROUP BY, and the reverse drops it.
"""

from django.db import migrations, models
from django.db.models import Max
from django.db.models.functions import Cast, Substr


def _fill(apps, schema_editor):
    ReportRow = apps.get_model("evaluation", "ReportRow")
    ReportBuilt = apps.get_model("evaluation", "ReportBuilt")
    database = schema_editor.connection.alias
    reported = (
        ReportRow.objects.using(database)
        .filter(period__regex=r"^[0-9]{4}(-Q[1-4])?$")  # a year or its quarter, as every build writes
        .annotate(year=Cast(Substr("period", 1, 4), models.IntegerField()))
        .values("year", "scope", "scope_key")
        .annotate(built_at=Max("built_at"))
        .order_by()
    )
    ReportBuilt.objects.using(database).bulk_create((ReportBuilt(**entry) for entry in reported), batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0010_report_rows_by_year"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportBuilt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("movement", "Movement"),
                            ("region", "Region"),
                            ("category", "Capacity"),
                            ("method", "Method"),
                            ("organization", "Organization"),
                        ],
                        max_length=12,
                        verbose_name="scope",
                    ),
                ),
                ("scope_key", models.CharField(blank=True, max_length=80, verbose_name="scope key")),
                ("built_at", models.DateTimeField(verbose_name="built")),
            ],
            options={
                "verbose_name": "report built",
                "verbose_name_plural": "reports built",
                "constraints": [
                    models.UniqueConstraint(
                        models.F("year"), models.F("scope"), models.F("scope_key"), name="report_built_once"
                    )
                ],
            },
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop, elidable=True),
    ]
