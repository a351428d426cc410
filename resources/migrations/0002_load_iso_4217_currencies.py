import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "iso4217.json"


def load(apps, schema_editor):
    Currency = apps.get_model("resources", "Currency")
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    Currency.objects.bulk_create(
        [Currency(code=row["code"], name=row["name"], minor_units=row["minor_units"]) for row in rows],
        ignore_conflicts=True,
    )


def unload(apps, schema_editor):
    Currency = apps.get_model("resources", "Currency")
    codes = [row["code"] for row in json.loads(DATA.read_text(encoding="utf-8"))]
    # Only currencies no rate points at: a rate keeps its currency.
    Currency.objects.filter(code__in=codes, rates__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_currencies_and_exchange_rates")]

    operations = [migrations.RunPython(load, unload)]
