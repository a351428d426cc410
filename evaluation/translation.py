import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import Indicator


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "definition")
    required_languages = ("en",)


# Audit, registered after the translation fields exist so the history keeps them too.
simple_history.register(Indicator, excluded_fields=["created_at", "updated_at"], related_name="+")
