import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import Indicator, Practice


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "definition")
    required_languages = ("en",)


@register(Practice)
class PracticeTranslation(TranslationOptions):
    """Translations into the UI languages; the text as written stays in original_<field>."""

    fields = ("title", "context", "what_was_done", "evidence", "would_change")


# Audit, registered after the translation fields exist so the history keeps them too.
simple_history.register(Indicator, excluded_fields=["created_at", "updated_at"], related_name="+")
