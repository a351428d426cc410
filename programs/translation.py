from modeltranslation.translator import TranslationOptions, register

from .models import Program


@register(Program)
class ProgramTranslation(TranslationOptions):
    # No language is required: a program is written in its original language and
    # translated into others when someone can.
    fields = ("title", "summary", "description")
    required_languages = ()
    fallback_undefined = ""
