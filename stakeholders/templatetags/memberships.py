from django import template

from stakeholders import access
from stakeholders.models import Membership

register = template.Library()


@register.simple_tag
def organization_links(user, organization):
    """Which of the organization's own pages the person may open: members, edit, audit trail."""
    role = access.organization_role(user, organization)
    administers = access.can_administer(user, role)
    # Staff, admins and stewards run the organization's programs in its workspace.
    workspace = user.is_authenticated and (user.is_superuser or role in (Membership.Role.STAFF, Membership.Role.ADMIN))
    return {
        "members": access.can_see_members(user, role),
        "edit": administers,
        "audit": administers,
        "workspace": workspace,
    }
