from django import template

from stakeholders import access

register = template.Library()


@register.simple_tag
def organization_links(user, organization):
    """Which of the organization's own pages the person may open: members, edit, audit trail."""
    role = access.organization_role(user, organization)
    administers = access.can_administer(user, role)
    return {
        "members": access.can_see_members(user, role),
        "edit": administers,
        "audit": administers,
        "workspace": access.can_manage_work(user, role),
    }
