"""Programs are written in any language of the vocabulary; derived columns go.

- original_language becomes a foreign key to capacity.Language, and the original text
  moves to original_title/summary/description (the title/summary/description columns
  keep the translations into the UI languages).
- search_document becomes a generated column the database keeps in the same write.
- next_session_at goes: "next session" is computed at query time from a partial index
  on sessions that are not cancelled.
"""

from django.db import migrations, models

import capacity.models
import programs.models

UI_CODES = ["en", "ko", "ar", "es", "fr", "pt_br"]
SEARCH_INDEX = "program_search_document_gin"


def copy_originals(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    Language = apps.get_model("capacity", "Language")
    languages = {language.code: language for language in Language.objects.all()}
    for program in Program.objects.all():
        code = program.original_language or "en"
        suffix = code.replace("-", "_")
        for field in ("title", "summary", "description"):
            text = getattr(program, f"{field}_{suffix}", "") or ""
            if not text and field != "description":
                # Written in one language, translated into others: keep any text at all.
                text = next((getattr(program, f"{field}_{c}") for c in UI_CODES if getattr(program, f"{field}_{c}")), "")
            setattr(program, f"original_{field}", text)
        program.original_language_ref = languages.get(code) or languages["en"]
        program.save(update_fields=["original_title", "original_summary", "original_description", "original_language_ref"])


def copy_originals_back(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    for program in Program.objects.select_related("original_language_ref"):
        code = program.original_language_ref.code
        program.original_language = code if code.replace("-", "_") in UI_CODES else "en"
        program.save(update_fields=["original_language"])


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON programs_program "
        "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_document, '')))"
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")


def search_document():
    # The expression as it stood when this migration was written: original text, then
    # each UI translation of title and summary.
    fields = ["original_title", "original_summary"]
    for code in UI_CODES:
        fields += [f"title_{code}", f"summary_{code}"]
    return programs.models.JoinedText(*fields)


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0002_seed_vocabulary"),
        ("programs", "0006_index_next_session_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="program",
            name="original_title",
            field=models.CharField(
                default="", max_length=200, validators=[capacity.models.single_line],
                verbose_name="title in the original language",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="program",
            name="original_summary",
            field=models.CharField(
                default="", max_length=400, validators=[capacity.models.single_line],
                verbose_name="summary in the original language",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="program",
            name="original_description",
            field=models.TextField(blank=True, verbose_name="description in the original language"),
        ),
        migrations.AddField(
            model_name="program",
            name="original_language_ref",
            field=models.ForeignKey(
                null=True, on_delete=models.deletion.PROTECT, related_name="+", to="capacity.language"
            ),
        ),
        migrations.RunPython(copy_originals, copy_originals_back),
        migrations.RemoveField(model_name="program", name="original_language"),
        migrations.RenameField(model_name="program", old_name="original_language_ref", new_name="original_language"),
        migrations.AlterField(
            model_name="program",
            name="original_language",
            field=models.ForeignKey(
                help_text="The language the program was written in.",
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="capacity.language",
                verbose_name="original language",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, create_search_index),
        migrations.RemoveField(model_name="program", name="search_document"),
        migrations.AddField(
            model_name="program",
            name="search_document",
            field=models.GeneratedField(db_persist=True, expression=search_document(), output_field=models.TextField()),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
        migrations.RemoveIndex(model_name="program", name="program_published_soonest"),
        migrations.RemoveField(model_name="program", name="next_session_at"),
        migrations.RemoveIndex(model_name="session", name="session_program_start"),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(
                condition=models.Q(("is_cancelled", False)), fields=["program", "starts_at"], name="session_program_next"
            ),
        ),
    ]
