"""Seed the shared vocabulary (categories, regions, languages, glossary) in six languages.

The data lives in capacity/seed/vocabulary.json. Rows are matched by slug or code, so
running this on a database that already has some of them updates instead of duplicating.
"""

import json
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "seed" / "vocabulary.json"


def translated(prefix, values):
    return {f"{prefix}_{code.replace('-', '_')}": text for code, text in values.items()} | {prefix: values["en"]}


def load(apps, schema_editor):
    data = json.loads(SEED.read_text(encoding="utf-8"))
    Category = apps.get_model("capacity", "CapacityCategory")
    Region = apps.get_model("capacity", "Region")
    Language = apps.get_model("capacity", "Language")
    Term = apps.get_model("capacity", "GlossaryTerm")

    for position, root in enumerate(data["categories"]):
        parent, _ = Category.objects.update_or_create(
            slug=root["slug"],
            defaults={
                "parent": None,
                "position": position,
                "wikidata_qid": root.get("wikidata") or "",
                **translated("name", root["name"]),
                **translated("description", root["description"]),
            },
        )
        for child_position, child in enumerate(root["children"]):
            Category.objects.update_or_create(
                slug=child["slug"],
                defaults={
                    "parent": parent,
                    "position": child_position,
                    "wikidata_qid": child.get("wikidata") or "",
                    **translated("name", child["name"]),
                    **translated("description", child["description"]),
                },
            )
    for position, region in enumerate(data["regions"]):
        Region.objects.update_or_create(
            slug=region["slug"],
            defaults={"position": position, "is_emerging": region["emerging"], **translated("name", region["name"])},
        )
    for language in data["languages"]:
        Language.objects.update_or_create(
            code=language["code"],
            defaults={
                "autonym": language["autonym"],
                "english_name": language["english_name"],
                "direction": language["direction"],
            },
        )
    for term in data["glossary"]:
        Term.objects.update_or_create(
            slug=term["slug"], defaults={**translated("term", term["term"]), **translated("definition", term["definition"])}
        )


def unload(apps, schema_editor):
    data = json.loads(SEED.read_text(encoding="utf-8"))
    Category = apps.get_model("capacity", "CapacityCategory")
    children = [child["slug"] for root in data["categories"] for child in root["children"]]
    Category.objects.filter(slug__in=children).delete()
    Category.objects.filter(slug__in=[root["slug"] for root in data["categories"]]).delete()
    apps.get_model("capacity", "Region").objects.filter(slug__in=[r["slug"] for r in data["regions"]]).delete()
    apps.get_model("capacity", "Language").objects.filter(code__in=[lang["code"] for lang in data["languages"]]).delete()
    apps.get_model("capacity", "GlossaryTerm").objects.filter(slug__in=[t["slug"] for t in data["glossary"]]).delete()


class Migration(migrations.Migration):
    dependencies = [("capacity", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
