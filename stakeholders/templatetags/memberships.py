from django import template

from stakeholders import access

register = template.Library()


@register.simple_tag
def organization_links(user, organization):
    """Which of the organization's own pages the person may open: members, edit."""
    role = access.organization_role(user, organization)
    return {"members": access.can_see_members(user, role), "edit": access.can_administer(user, role)}
