"""Demo organizations, people and memberships."""

from allauth.account.models import EmailAddress

from capacity.models import Language, Region, translated_columns

from .models import Invitation, Membership, Organization, User
from .services import membership_invite


def _person(username, *, password, defaults, is_staff=False):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "is_staff": is_staff, "is_superuser": is_staff, **defaults},
    )
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user, created


def load(data, *, password):
    regions = {region.slug: region for region in Region.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    created_orgs = 0
    for item in data["organizations"]:
        org, created = Organization.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "kind": item["kind"],
                "region": regions[item["region"]],
                "website": item.get("website", ""),
                **translated_columns("name", item["name"]),
                **translated_columns("description", item.get("description", {})),
            },
        )
        org.languages.set([languages[code] for code in item["languages"]])
        created_orgs += created

    _person("steward", password=password, defaults={"display_name": "Site steward"}, is_staff=True)
    created_people = 0
    for item in data["people"]:
        user, created = _person(
            item["username"],
            password=password,
            defaults={
                "display_name": item["display_name"],
                "home_region": regions[item["region"]],
                "time_zone": item["time_zone"],
                "preferred_language": item["preferred_language"],
            },
        )
        user.languages.set([languages[code] for code in item["languages"]])
        for membership in item.get("memberships", []):
            Membership.objects.update_or_create(
                user=user,
                organization=Organization.objects.get(slug=membership["organization"]),
                defaults={"role": membership["role"]},
            )
        created_people += created
    # Pending invitations go through the service, as an admin's would; once answered
    # or already sent, running the demo again leaves them be.
    for item in data["people"]:
        for invitation in item.get("invitations", []):
            organization = Organization.objects.get(slug=invitation["organization"])
            person = User.objects.get(username=item["username"])
            if Invitation.objects.filter(organization=organization, user=person).exists():
                continue
            membership_invite(
                organization=organization,
                person=person,
                role=invitation["role"],
                by=User.objects.get(username=invitation["by"]),
            )
    return f"{len(data['organizations'])} organizations ({created_orgs} new), {len(data['people']) + 1} people ({created_people} new)"
