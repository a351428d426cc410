import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import Organization


@register(Organization)
class OrganizationTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


# Audit, registered after the translation fields exist so the history keeps them too.
simple_history.register(Organization, excluded_fields=["created_at", "updated_at"], related_name="+")
