"""Seed the movement's core indicators (evaluation/seed/indicators.json) in six languages.

Rows are matched by code, so running this again updates instead of duplicating. Capacity
categories are linked by slug when they exist (the vocabulary seeds them first).
"""

import json
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "seed" / "indicators.json"


def translated(prefix, values):
    return {f"{prefix}_{code.replace('-', '_')}": text for code, text in values.items()} | {prefix: values["en"]}


def load(apps, schema_editor):
    data = json.loads(SEED.read_text(encoding="utf-8"))
    Indicator = apps.get_model("evaluation", "Indicator")
    Category = apps.get_model("capacity", "CapacityCategory")
    for position, row in enumerate(data["indicators"]):
        indicator, _ = Indicator.objects.update_or_create(
            code=row["code"],
            defaults={
                "kind": row["kind"],
                "horizon": row["horizon"],
                "unit": row["unit"],
                "aggregation": row["aggregation"],
                "direction": row["direction"],
                "position": position,
                **translated("name", row["name"]),
                **translated("definition", row["definition"]),
            },
        )
        indicator.categories.set(Category.objects.filter(slug__in=row["categories"]))


def unload(apps, schema_editor):
    data = json.loads(SEED.read_text(encoding="utf-8"))
    codes = [row["code"] for row in data["indicators"]]
    apps.get_model("evaluation", "Indicator").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial"), ("capacity", "0002_seed_vocabulary")]

    operations = [migrations.RunPython(load, unload)]
