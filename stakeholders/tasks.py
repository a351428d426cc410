"""Jobs that email people; each sends its email once, however often it runs."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import support_selectors
from .models import ContactRequest, SupportEvent, SupportNotification, SupportRequest, SupportResponder, User

logger = logging.getLogger(__name__)


# Capacity exchange ------------------------------------------------------------------


def _contact_email_once(contact_request_id, claim, field, send):
    """Claim the email by setting `field` on the one row still owed it, send, release the claim if sending fails.

    A second run, or a second worker, finds nothing left to claim.
    """
    if not claim.update(**{field: timezone.now()}):
        return False
    contact = ContactRequest.objects.select_related("sender", "recipient", "category").get(pk=contact_request_id)
    try:
        return send(contact)
    except Exception:
        ContactRequest.objects.filter(pk=contact.pk).update(**{field: None})
        raise


def _email(person, template, context_in_their_language):
    """Email a person in plain text, in their language; a subject is one line whatever a name or title holds.

    The context is built inside their language, so capacity names and links (/ar/…) are theirs too.
    """
    # A deactivated account is reachable nowhere, by email neither.
    if not person.email or not person.is_active:
        return False
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        context = {"person": person, **context_in_their_language()}
        subject = " ".join(render_to_string(f"stakeholders/email/{template}_subject.txt", context).split())
        body = render_to_string(f"stakeholders/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email], fail_silently=False)
    return True


def _relay(contact):
    if not contact.sender.is_active:
        # Deactivated since writing (a spammer stopped by a steward): their message goes no further.
        return False

    # The sender's address is left out on purpose: it is shown only once the recipient accepts.
    def context():
        category = contact.category
        return {
            # Every line quoted: the sender's text cannot pass for the portal's own lines
            # (a fake "accept on this page" link after a fake end of message).
            "quoted_message": "\n".join(f"> {line}" for line in contact.message.splitlines()),
            "sender_name": contact.sender.public_name,
            "category_name": category.shown("name").text if category else "",
            "accept_url": f"{settings.PORTAL_URL}{reverse('exchange:contacts')}#contact-{contact.pk}",
        }

    return _email(contact.recipient, "contact_request", context)


def _acceptance(contact):
    def context():
        return {
            "recipient_name": contact.recipient.public_name,
            "recipient_email": contact.recipient.email,
            "contacts_url": f"{settings.PORTAL_URL}{reverse('exchange:contacts')}",
        }

    return _email(contact.sender, "contact_accepted", context)


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def relay_contact_request(contact_request_id: int) -> bool:
    """Email a contact request's message to the person written to, once. Returns whether an email was sent."""
    claim = ContactRequest.objects.filter(pk=contact_request_id, relayed_at__isnull=True)
    return _contact_email_once(contact_request_id, claim, "relayed_at", _relay)


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def send_contact_acceptance(contact_request_id: int) -> bool:
    """Tell the sender their request was accepted, with the recipient's address, once."""
    claim = ContactRequest.objects.filter(
        pk=contact_request_id, status=ContactRequest.Status.ACCEPTED, acceptance_sent_at__isnull=True
    )
    return _contact_email_once(contact_request_id, claim, "acceptance_sent_at", _acceptance)


CONTACT_EMAIL_RETRY_WINDOW = timedelta(days=7)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def send_pending_contact_emails() -> int:
    """Send relays and acceptances that failed or were never queued (the broker was down); each still goes out once.

    A message answered meanwhile needs no relay: its recipient has read it on the page.
    An address that keeps refusing is tried for a week, not every ten minutes for ever.
    """
    sent = 0
    recent = ContactRequest.objects.filter(updated_at__gte=timezone.now() - CONTACT_EMAIL_RETRY_WINDOW)
    jobs = [
        (relay_contact_request, recent.filter(status=ContactRequest.Status.PENDING, relayed_at__isnull=True)),
        (
            send_contact_acceptance,
            recent.filter(status=ContactRequest.Status.ACCEPTED, acceptance_sent_at__isnull=True),
        ),
    ]
    for task, owed in jobs:
        for contact_request_id in owed.order_by("pk").values_list("pk", flat=True).iterator():
            try:
                sent += task(contact_request_id)
            except SoftTimeLimitExceeded:
                raise
            except Exception:
                logger.exception("Contact request %s: the email could not be sent", contact_request_id)
    return sent


# Support requests -------------------------------------------------------------------

# At most this many people hear of one request: the best matches, not everyone who
# shares a broad capacity (a triaged request is news, not a newsletter).
SUPPORT_MATCHES_EMAILED = 50


def _support_email_once(request_id: int, user_id: int, template: str) -> bool:
    """Claim the (request, person) notification, send it, release the claim if sending fails.

    The row is inserted if missing (ignore_conflicts), then claimed with one UPDATE …
    WHERE sent_at IS NULL: a second run, or a second worker, finds nothing to claim.
    """
    SupportNotification.objects.bulk_create(
        [SupportNotification(request_id=request_id, user_id=user_id)], ignore_conflicts=True
    )
    claim = SupportNotification.objects.filter(request_id=request_id, user_id=user_id, sent_at__isnull=True)
    if not claim.update(sent_at=timezone.now()):
        return False
    request = SupportRequest.objects.select_related("language").get(pk=request_id)
    person = User.objects.get(pk=user_id)
    try:
        return _email(
            person, template, lambda: {"request": request, "url": f"{settings.PORTAL_URL}{request.get_absolute_url()}"}
        )
    except Exception:
        SupportNotification.objects.filter(request_id=request_id, user_id=user_id).update(sent_at=None)
        raise


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def notify_support_request_matches(request_id: int) -> int:
    """Email the people who share a triaged request's capacities in its language, once each. Returns how many."""
    request = (
        SupportRequest.objects.filter(pk=request_id, is_sensitive=False)
        .filter(status__in=[SupportRequest.Status.TRIAGED, SupportRequest.Status.MATCHED])
        .first()
    )
    if request is None:
        return 0
    people = list(support_selectors.matching_people(request=request, limit=SUPPORT_MATCHES_EMAILED))
    sent = 0
    for user_id in people:
        try:
            sent += _support_email_once(request_id, user_id, "support_match")
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            # The claim is released: the next run retries this person, the others go on.
            logger.exception("Support request %s: the email to user %s could not be sent", request_id, user_id)
    return sent


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def notify_support_responder(request_id: int, user_id: int) -> bool:
    """Tell a person they were chosen to help with a request, once; they may have been removed since."""
    if not SupportResponder.objects.filter(request_id=request_id, user_id=user_id).exists():
        return False
    return _support_email_once(request_id, user_id, "support_responder")


# The sweep still tells the crowd about a request triaged this recently; older news is not sent.
SUPPORT_MATCH_SWEEP_WINDOW = timedelta(days=1)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def send_pending_support_emails() -> int:
    """Send support emails that failed or were never queued (the broker was down at triage); each still goes out once.

    Responders of triaged and matched requests who were never told are told; requests
    triaged within SUPPORT_MATCH_SWEEP_WINDOW tell the matching people not told yet.
    """
    Status = SupportRequest.Status
    in_progress = [Status.TRIAGED, Status.MATCHED]
    told = SupportNotification.objects.filter(request=OuterRef("request"), user=OuterRef("user"), sent_at__isnull=False)
    owed_responders = (
        SupportResponder.objects.filter(request__status__in=in_progress)
        .exclude(Exists(told))
        .order_by("pk")
        .values_list("request_id", "user_id")
    )
    recently_triaged = SupportEvent.objects.filter(
        to_status=Status.TRIAGED, created_at__gte=timezone.now() - SUPPORT_MATCH_SWEEP_WINDOW
    ).values("request_id")
    owed_news = (
        SupportRequest.objects.filter(pk__in=recently_triaged, is_sensitive=False, status__in=in_progress)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    jobs = [(notify_support_responder, args) for args in owed_responders.iterator()]
    jobs += [(notify_support_request_matches, (request_id,)) for request_id in owed_news.iterator()]
    sent = 0
    for task, args in jobs:
        try:
            sent += task(*args)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("Support request %s: a pending email could not be sent", args[0])
    return sent
