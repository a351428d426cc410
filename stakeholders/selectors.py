"""Querysets for the organization pages."""

from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

from capacity.models import ui_language_field

from .models import Organization


def organization_list(*, kind=None, region=None):
    organizations = Organization.objects.select_related("region").annotate(
        published_programs=Count("programs", filter=Q(programs__is_published=True), distinct=True)
    )
    if kind:
        organizations = organizations.filter(kind=kind)
    if region:
        organizations = organizations.filter(region__slug=region)
    # Sort by the name as shown: the reader's language, else the English name.
    column = f"name_{ui_language_field(get_language() or 'en')}"
    shown_name = Coalesce(NullIf(column, Value("")), "name_en", output_field=CharField())
    return organizations.order_by(shown_name, "pk")
