"""Querysets for the organization pages."""

from django.db.models import Count, Q

from .models import Organization


def organization_list(*, kind=None, region=None):
    organizations = Organization.objects.select_related("region").annotate(
        published_programs=Count("programs", filter=Q(programs__is_published=True), distinct=True)
    )
    if kind:
        organizations = organizations.filter(kind=kind)
    if region:
        organizations = organizations.filter(region__slug=region)
    return organizations.order_by("name")
