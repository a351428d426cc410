"""What happens to a person's stakeholders rows when they delete their account.

programs.services.person_delete is the one way an account goes (the portal's page and
the Django admin both call it); it asks this module first whether the deletion may
happen, then to erase this app's rows, and last to scrub the audit history of every
app. Rows that other people rely on stay, without the person: a support request keeps
its place in the process, an offer of help stays counted. Rows that only describe the
person go.

The writes here blank required text with QuerySet.update(): erasing is not an edit a
form could make, and no validation rule applies to text that is no longer there.
"""

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from capacity import fragments

from .models import (
    ContactRequest,
    ExchangeProfile,
    Invitation,
    Membership,
    ProfileVisibility,
    SupportEvent,
    SupportOffer,
    SupportRequest,
    User,
)
from .selectors import EXCHANGE_VERSION_KEY
from .support_selectors import SUPPORT_VERSION_KEY


def person_deletion_problems(*, user: User) -> list[str]:
    """Why this account cannot be deleted now: each organization the person is the last administrator of."""
    problems = []
    for membership in Membership.objects.admins().filter(user=user).select_related("organization"):
        others = (
            Membership.objects.admins().filter(organization_id=membership.organization_id).exclude(user=user).exists()
        )
        if not others:
            problems.append(
                _(
                    "You are the only administrator of %(organization)s. Make someone else an administrator "
                    "there before deleting your account."
                )
                % {"organization": membership.organization.name}
            )
    return problems


def person_records_erase(*, user: User, now=None) -> None:
    """Remove or anonymize every stakeholders row about the person; the account row itself is the caller's.

    Refuses (ValidationError) when the person is the last administrator of an
    organization, checked again with the organizations' memberships locked.
    """
    now = now or timezone.now()
    with transaction.atomic():
        organization_ids = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
        # Locked in one order, as membership changes lock them, so a promotion at the same moment waits.
        list(Membership.objects.select_for_update().filter(organization_id__in=organization_ids).order_by("pk"))
        problems = person_deletion_problems(user=user)
        if problems:
            raise ValidationError(problems)
        Membership.objects.filter(user=user).delete()
        Invitation.objects.filter(user=user).delete()
        ExchangeProfile.objects.filter(user=user).delete()
        fragments.content_changed(EXCHANGE_VERSION_KEY)  # out of the directory's cards and the mentor rankings
        ContactRequest.objects.filter(models.Q(sender=user) | models.Q(recipient=user)).delete()
        ProfileVisibility.objects.filter(user=user).delete()
        _support_erase(user=user, now=now)


def _support_erase(*, user: User, now) -> None:
    # Offers of help stay counted on their request, anonymous and without their words.
    SupportOffer.objects.filter(author=user).update(author=None, message="", updated_at=now)
    # The process steps they took stay (a request's timeline must not jump), without
    # who took them or the notes they wrote, as with the words of their offers.
    SupportEvent.objects.filter(actor=user).update(actor=None, note="")
    # A sensitive request was confided to the stewards and the chosen responders by its
    # author: without the author nobody may speak for it, so it is closed and its story
    # erased; the request stays counted, with its process up to now.
    sensitive = SupportRequest.objects.select_for_update().filter(author=user, is_sensitive=True)
    for request in sensitive:
        if not request.is_finished:
            event = SupportEvent(
                request=request, actor=None, from_status=request.status, to_status=SupportRequest.Status.CLOSED
            )
            event.full_clean()
            event.save()
        SupportRequest.objects.filter(pk=request.pk).update(
            author=None,
            title=f"#{request.pk}",
            what_happened="",
            what_is_needed="",
            status=SupportRequest.Status.CLOSED,
            status_changed_at=now if not request.is_finished else request.status_changed_at,
            updated_at=now,
        )
    # A request open to everyone was written for the community and stays, without its author.
    SupportRequest.objects.filter(author=user).update(author=None, updated_at=now)
    fragments.content_changed(SUPPORT_VERSION_KEY)  # a sensitive request's card loses its title


def history_scrub(*, user_id: int) -> int:
    """Take the person out of every audit history table (simple-history) of every app; returns rows touched.

    Found generically, so a model that gains a history later is covered: "who made the
    change" becomes empty; a historical row whose subject is the person (their
    membership, say: a row the live table deletes with them) goes; any other column
    naming them (a report's "submitted by") becomes empty, as in the live table.
    """
    touched = 0
    for model in apps.get_models():
        if not issubclass(model, HistoricalChanges):
            continue
        if not any(field.name == "history_user" for field in model._meta.fields):
            continue  # a many-to-many history (an allocation's categories): it names no person
        touched += model.objects.filter(history_user_id=user_id).update(history_user=None)
        for field in model._meta.fields:
            if field.name == "history_user" or not field.is_relation or field.related_model is not User:
                continue
            live = model.instance_type._meta.get_field(field.name)
            rows = model.objects.filter(**{field.attname: user_id})
            if live.remote_field.on_delete is models.CASCADE or not live.null:
                touched += rows.delete()[0]
            else:
                touched += rows.update(**{field.attname: None})
    return touched


def admin_log_scrub(*, user_id: int, related: dict) -> int:
    """Delete the Django admin's log entries about the person's own rows, whose titles carry their name.

    `related` maps a model to the ids of its rows that were about the person.
    """
    deleted = 0
    for model, ids in {User: [user_id], **related}.items():
        content_type = ContentType.objects.get_for_model(model)
        deleted += LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in ids]).delete()[0]
    return deleted
