"""Querysets for the organization pages."""

from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

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
    column = f"name_{(get_language() or 'en').replace('-', '_')}"
    shown_name = Coalesce(NullIf(column, Value("")), "name_en", output_field=CharField())
    return organizations.order_by(shown_name, "pk")
