import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import Program


@register(Program)
class ProgramTranslation(TranslationOptions):
    # No language is required: a program is written in its original language and
    # translated into others when someone can.
    fields = ("title", "summary", "description")
    required_languages = ()
    fallback_undefined = ""


# Audit, registered after the translation fields exist so the history keeps them too.
simple_history.register(Program, excluded_fields=["search_document", "created_at", "updated_at"], related_name="+")
