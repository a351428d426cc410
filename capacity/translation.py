from modeltranslation.translator import TranslationOptions, register

from .models import CapacityCategory, GlossaryTerm, Region


@register(CapacityCategory)
class CapacityCategoryTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)


@register(GlossaryTerm)
class GlossaryTermTranslation(TranslationOptions):
    fields = ("term", "definition")
    required_languages = ("en",)
