"""Changes to people, organizations and memberships."""

import logging
import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from capacity import fragments
from capacity.models import single_line

from . import access
from .models import (
    ContactRequest,
    ExchangeCapacity,
    ExchangeLanguage,
    ExchangeProfile,
    Invitation,
    Membership,
    Organization,
    ProfileVisibility,
    SupportEvent,
    SupportOffer,
    SupportRequest,
    SupportResponder,
    User,
    new_calendar_token,
)
from .selectors import EXCHANGE_VERSION_KEY
from .support_selectors import SUPPORT_VERSION_KEY
from .tasks import (
    notify_support_request_matches,
    notify_support_responder,
    relay_contact_request,
    send_contact_acceptance,
)

logger = logging.getLogger(__name__)


def user_calendar_token_reset(*, user: User) -> str:
    """Give the person a new private calendar URL; the old one stops working at once."""
    with transaction.atomic():
        user.calendar_token = new_calendar_token()
        user.full_clean(exclude=["password"])
        user.save(update_fields=["calendar_token"])
    return user.calendar_token


def user_profile_update(*, user: User, data: dict) -> User:
    """Save the profile fields a person edits themselves."""
    with transaction.atomic():
        for field in ("display_name", "home_region", "time_zone", "preferred_language"):
            setattr(user, field, data[field])
        user.full_clean(exclude=["password"])
        # Only the edited fields: a calendar address reset meanwhile must stay reset.
        user.save(update_fields=["display_name", "home_region", "time_zone", "preferred_language"])
        user.languages.set(data["languages"])
        # The directory's cards show the name, and program pages their facilitators'.
        fragments.content_changed(EXCHANGE_VERSION_KEY, fragments.VERSION_KEY)
    return user


def organization_update(*, organization: Organization, data: dict, fields: list[str]) -> Organization:
    """Save an organization's profile as its admins edit it."""
    with transaction.atomic():
        for field in fields:
            if field != "languages":
                setattr(organization, field, data[field])
        organization.full_clean()
        organization.save()
        if "languages" in fields:
            organization.languages.set(data["languages"])
        # The directory's and the support list's cards show its name and address, and the
        # catalog and program pages their provider's.
        fragments.content_changed(EXCHANGE_VERSION_KEY, SUPPORT_VERSION_KEY, fragments.VERSION_KEY)
    return organization


def _send_invitation_email(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("user", "organization", "invited_by").get(pk=invitation_id)
    person = invitation.user
    if not person.email:
        return
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "person": person,
            "organization": invitation.organization,
            "role": invitation.get_role_display(),
            "inviter": invitation.invited_by.public_name if invitation.invited_by else "",
            "url": f"{settings.PORTAL_URL}{reverse('me:invitations')}",
        }
        # Plain text with autoescape off; a subject is one line whatever a name holds.
        subject = " ".join(render_to_string("stakeholders/email/invitation_subject.txt", context).split())
        body = render_to_string("stakeholders/email/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email], fail_silently=False)


def membership_invite(*, organization: Organization, person: User, role: str, by: User) -> Invitation:
    """Invite a person to the organization with a role, and tell them by email once it is saved."""
    with transaction.atomic():
        if Membership.objects.filter(organization=organization, user=person).exists():
            raise ValidationError(_("This person is already a member of this organization."))
        invitation = Invitation(organization=organization, user=person, role=role, invited_by=by)
        invitation.full_clean()
        try:
            # A savepoint: two admins inviting the same person at once meet the constraint.
            with transaction.atomic():
                invitation.save()
        except IntegrityError as error:
            raise ValidationError(_("This person already has a pending invitation to this organization.")) from error
        transaction.on_commit(lambda invitation_id=invitation.pk: _send_invitation_email(invitation_id), robust=True)
    return invitation


def _lock_pending(invitation: Invitation, user: User) -> Invitation:
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk, user=user).first()
    if locked is None or locked.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation is no longer open."))
    return locked


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person joins the organization with the invited role."""
    with transaction.atomic():
        invitation = _lock_pending(invitation, user)
        if Membership.objects.filter(organization_id=invitation.organization_id, user=user).exists():
            raise ValidationError(_("You are already a member of this organization."))
        membership = Membership(organization_id=invitation.organization_id, user=user, role=invitation.role)
        membership.full_clean()
        membership.save()
        invitation.status = Invitation.Status.ACCEPTED
        invitation.full_clean()
        invitation.save(update_fields=["status", "updated_at"])
    return membership


def invitation_decline(*, invitation: Invitation, user: User) -> Invitation:
    """The invited person says no; the organization may invite them again later."""
    with transaction.atomic():
        invitation = _lock_pending(invitation, user)
        invitation.status = Invitation.Status.DECLINED
        invitation.full_clean()
        invitation.save(update_fields=["status", "updated_at"])
    return invitation


def invitation_withdraw(*, invitation: Invitation, by: User) -> Invitation:
    """An admin takes back an invitation nobody has answered; the person may be invited again."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if locked is None or locked.status != Invitation.Status.PENDING:
            raise ValidationError(_("This invitation is no longer open."))
        locked.status = Invitation.Status.WITHDRAWN
        locked.full_clean()
        locked.save(update_fields=["status", "updated_at"])
        logger.info("Invitation %s withdrawn by user %s", locked.pk, by.pk)
    return locked


def _lock_memberships(organization_id: int) -> list[Membership]:
    # Every membership of the organization, locked in one order: two admins demoting
    # each other at once are serialized, and the second sees the first's change.
    return list(Membership.objects.select_for_update().filter(organization_id=organization_id).order_by("pk"))


def _refuse_losing_the_last_admin(memberships: list[Membership], leaving: Membership) -> None:
    admins = [m for m in memberships if m.role == Membership.Role.ADMIN]
    if leaving.role == Membership.Role.ADMIN and len(admins) <= 1:
        raise ValidationError(
            _("An organization needs at least one administrator. Make someone else an administrator first.")
        )


def membership_change_role(*, membership: Membership, role: str) -> Membership:
    """Give a member another role, never leaving the organization without an administrator."""
    with transaction.atomic():
        memberships = _lock_memberships(membership.organization_id)
        current = next((m for m in memberships if m.pk == membership.pk), None)
        if current is None:
            raise ValidationError(_("This person is no longer a member of this organization."))
        if role != Membership.Role.ADMIN:
            _refuse_losing_the_last_admin(memberships, current)
        current.role = role
        current.full_clean()
        current.save(update_fields=["role", "updated_at"])
    return current


def membership_remove(*, membership: Membership) -> None:
    """Take a person out of an organization (or let them leave), never its last administrator."""
    with transaction.atomic():
        memberships = _lock_memberships(membership.organization_id)
        current = next((m for m in memberships if m.pk == membership.pk), None)
        if current is None:
            return
        _refuse_losing_the_last_admin(memberships, current)
        current.delete()


# Capacity exchange ------------------------------------------------------------------

# Past this many requests in a day a sender is stopped: a relay that sends email for
# people must not become a way to flood others' inboxes.
CONTACT_REQUESTS_PER_DAY = 10
# After a "no", the same sender waits this long before writing to that person again:
# otherwise a decline would only invite the next message, ten times a day.
CONTACT_AFTER_DECLINE = timedelta(days=30)


def _exchange_rows_checked(capacities: list[dict], languages: list[dict]) -> None:
    """The rules the rows' constraints state, as translated messages before the database refuses them."""
    categories = [row["category"].pk for row in capacities]
    if len(categories) != len(set(categories)):
        raise ValidationError(_("Each capacity can be given only once."))
    for row in capacities:
        if not (row.get("has") or row.get("shares") or row.get("wants")):
            raise ValidationError(_("Say whether you have, share or want each capacity you give."))
        if row.get("level") and not (row.get("has") or row.get("shares")):
            raise ValidationError(_("A level goes with a capacity you have or share."))
    codes = [row["language"].pk for row in languages]
    if len(codes) != len(set(codes)):
        raise ValidationError(_("Each language can be given only once."))


def exchange_profile_save(
    *,
    owner_user: User | None = None,
    organization: Organization | None = None,
    data: dict,
    capacities: list[dict],
    languages: list[dict],
):
    """Save a person's or an organization's exchange profile, replacing its capacities and languages.

    Replace-style: the rows given are the whole truth, so an edit page needs no
    per-row bookkeeping. A listed profile needs a language, or nobody could be matched
    with its owner or write to them.
    """
    if (owner_user is None) == (organization is None):
        raise ValueError("An exchange profile belongs to a person or to an organization.")
    _exchange_rows_checked(capacities, languages)
    if data.get("is_listed") and not languages:
        raise ValidationError(_("Give at least one language you work in, or hide your profile from the directory."))
    if data.get("about") and not data.get("about_language"):
        raise ValidationError(_("Say which language the text about you is written in."))
    with transaction.atomic():
        owner = {"user": owner_user} if owner_user else {"organization": organization}
        profile = ExchangeProfile.objects.select_for_update().filter(**owner).first() or ExchangeProfile(**owner)
        profile.is_listed = bool(data.get("is_listed"))
        profile.about = data.get("about") or ""
        profile.about_language = data.get("about_language") if profile.about else None
        profile.region = data.get("region")
        profile.full_clean()
        try:
            # A savepoint: two first saves at once (two tabs) meet the one-profile constraint.
            with transaction.atomic():
                profile.save()
        except IntegrityError as error:
            raise ValidationError(_("This profile was just saved from another page. Please try again.")) from error
        profile.capacities.all().delete()
        profile.languages.all().delete()
        capacity_rows = [
            ExchangeCapacity(
                profile=profile,
                category=row["category"],
                has=bool(row.get("has")),
                shares=bool(row.get("shares")),
                wants=bool(row.get("wants")),
                level=row.get("level") or None,
            )
            for row in capacities
        ]
        language_rows = [
            ExchangeLanguage(profile=profile, language=row["language"], proficiency=row["proficiency"])
            for row in languages
        ]
        # The constraints were checked above with their own messages; full_clean would
        # ask the database once per row and constraint for the same answer.
        for row in [*capacity_rows, *language_rows]:
            row.full_clean(validate_constraints=False)
        ExchangeCapacity.objects.bulk_create(capacity_rows)
        ExchangeLanguage.objects.bulk_create(language_rows)
        fragments.content_changed(EXCHANGE_VERSION_KEY)
    return profile


def exchange_profile_hide(*, profile):
    """Take a profile out of the directory and mentor suggestions at once; the rows stay for later."""
    with transaction.atomic():
        ExchangeProfile.objects.filter(pk=profile.pk).update(is_listed=False, updated_at=timezone.now())
        # The mentor rankings kept (selectors.mentor_matches) list it no more.
        fragments.content_changed(EXCHANGE_VERSION_KEY)
    profile.is_listed = False
    return profile


def contact_request_send(*, sender: User, recipient: User, message: str, category=None):
    """Write to a person through the portal: they get the message by email, without the sender's address."""
    if sender.pk == recipient.pk:
        raise ValidationError(_("You cannot write to yourself."))
    if not ExchangeProfile.objects.listed().filter(user=recipient, user__is_active=True).exists():
        raise ValidationError(_("This person is not in the directory any more."))
    with transaction.atomic():
        # One sender's requests are counted one at a time: two sent at once cannot both
        # slip under the daily limit.
        User.objects.select_for_update().filter(pk=sender.pk).first()
        since = timezone.now() - timedelta(days=1)
        if ContactRequest.objects.filter(sender=sender, created_at__gte=since).count() >= CONTACT_REQUESTS_PER_DAY:
            raise ValidationError(
                _("You have written to %(count)d people today, the most in a day. Please try again tomorrow.")
                % {"count": CONTACT_REQUESTS_PER_DAY}
            )
        pending = ContactRequest.objects.filter(
            sender=sender, recipient=recipient, status=ContactRequest.Status.PENDING
        )
        if pending.exists():
            raise ValidationError(_("You already wrote to this person; wait for their answer."))
        declined = ContactRequest.objects.filter(
            sender=sender,
            recipient=recipient,
            status=ContactRequest.Status.DECLINED,
            answered_at__gte=timezone.now() - CONTACT_AFTER_DECLINE,
        )
        if declined.exists():
            raise ValidationError(
                _("This person declined your last message. You can write to them again %(days)d days after that.")
                % {"days": CONTACT_AFTER_DECLINE.days}
            )
        contact = ContactRequest(sender=sender, recipient=recipient, message=message, category=category)
        contact.full_clean()
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError as error:
            raise ValidationError(_("You already wrote to this person; wait for their answer.")) from error
        transaction.on_commit(lambda pk=contact.pk: relay_contact_request.delay(pk), robust=True)
    return contact


def _lock_pending_contact(contact_request, user):
    locked = ContactRequest.objects.select_for_update().filter(pk=contact_request.pk, recipient=user).first()
    if locked is None:
        raise ValidationError(_("Only the person written to can answer this request."))
    if locked.status != ContactRequest.Status.PENDING:
        raise ValidationError(_("This request was already answered."))
    return locked


def contact_request_accept(*, contact_request, by: User):
    """The person written to says yes: both see each other's email address, and the sender is told by email."""
    with transaction.atomic():
        locked = _lock_pending_contact(contact_request, by)
        if not User.objects.filter(pk=locked.sender_id, is_active=True).exists():
            # A deactivated account is reachable nowhere: accepting would hand out its address.
            raise ValidationError(_("This person's account is no longer active. Nothing was shared."))
        locked.status = ContactRequest.Status.ACCEPTED
        locked.answered_at = timezone.now()
        locked.full_clean()
        locked.save(update_fields=["status", "answered_at", "updated_at"])
        transaction.on_commit(lambda pk=locked.pk: send_contact_acceptance.delay(pk), robust=True)
    return locked


def contact_request_decline(*, contact_request, by: User):
    """The person written to says no; nobody's address is shown, and the sender may write again in 30 days."""
    with transaction.atomic():
        locked = _lock_pending_contact(contact_request, by)
        locked.status = ContactRequest.Status.DECLINED
        locked.answered_at = timezone.now()
        locked.full_clean()
        locked.save(update_fields=["status", "answered_at", "updated_at"])
    return locked


# Support requests -------------------------------------------------------------------
#
# The process, and who may make each move (DESIGN topic 6; README "Support requests"):
#   open → triaged       stewards only: they confirm the categories and keep spam out
#                         before anyone is emailed, which is why triage, not posting,
#                         tells the people who share the capacities.
#   triaged → matched    the request's side (author, managers of its organization,
#                         stewards), once help is there: an accepted offer or a
#                         chosen responder. Matched with nobody would be a false claim.
#   matched → resolved   the request's side.
#   open|triaged|matched → closed   the request's side (withdrawn, a duplicate, spam).
# Nothing leaves resolved or closed: a new need is a new request.

# Words for "This request is …" in refusals, one per status.
_SUPPORT_STATUS_WORDS = {
    "open": pgettext_lazy("a support request is", "open"),
    "triaged": pgettext_lazy("a support request is", "triaged"),
    "matched": pgettext_lazy("a support request is", "matched"),
    "resolved": pgettext_lazy("a support request is", "resolved"),
    "closed": pgettext_lazy("a support request is", "closed"),
}
_STEWARDS_ONLY, _REQUEST_SIDE = "stewards", "request side"
# Chosen responders are a few trusted people, each emailed once; not a mailing list.
SUPPORT_RESPONDERS_MAX = 20
SUPPORT_TRANSITIONS = {
    (SupportRequest.Status.OPEN, SupportRequest.Status.TRIAGED): _STEWARDS_ONLY,
    (SupportRequest.Status.TRIAGED, SupportRequest.Status.MATCHED): _REQUEST_SIDE,
    (SupportRequest.Status.MATCHED, SupportRequest.Status.RESOLVED): _REQUEST_SIDE,
    (SupportRequest.Status.OPEN, SupportRequest.Status.CLOSED): _REQUEST_SIDE,
    (SupportRequest.Status.TRIAGED, SupportRequest.Status.CLOSED): _REQUEST_SIDE,
    (SupportRequest.Status.MATCHED, SupportRequest.Status.CLOSED): _REQUEST_SIDE,
}
# Text may hold line breaks and tabs, but no other control characters, and no bidi
# embeddings, overrides or isolates that make a passage read as something else.
_HIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def refuse_hidden_characters(value: str) -> None:
    """A validator for text written on support requests and offers."""
    if _HIDDEN_CHARACTERS.search(value or ""):
        raise ValidationError(
            _("Remove the control characters or text direction overrides from this text."), code="hidden_characters"
        )


def refuse_invisible_text(value: str) -> None:
    """A validator for required text: zero-width and other invisible characters alone say nothing."""
    if value and not any(
        not character.isspace() and unicodedata.category(character) not in ("Cf", "Cc", "Zs", "Zl", "Zp")
        for character in value
    ):
        raise ValidationError(_("Write something: this text has no visible characters."), code="invisible")


def _status_word(status: str) -> str:
    return str(_SUPPORT_STATUS_WORDS.get(status, status))


def _refusal(current: str, target: str) -> str:
    """Why this move cannot be made from the current status, naming it."""
    Status = SupportRequest.Status
    status = _status_word(current)
    if current == target:
        return _("This request is already %(status)s.") % {"status": status}
    if current in (Status.RESOLVED, Status.CLOSED):
        return {
            Status.OPEN: _("This request is %(status)s; it can no longer be opened again."),
            Status.TRIAGED: _("This request is %(status)s; it can no longer be triaged."),
            Status.MATCHED: _("This request is %(status)s; it can no longer be matched."),
            Status.RESOLVED: _("This request is %(status)s; it can no longer be resolved."),
            Status.CLOSED: _("This request is %(status)s; it can no longer be closed."),
        }[target] % {"status": status}
    return {
        Status.OPEN: _("This request is %(status)s; it cannot go back to open."),
        Status.TRIAGED: _("This request is %(status)s; it was triaged already and cannot be triaged again."),
        Status.MATCHED: _("This request is %(status)s; a steward must triage it before it can be matched."),
        Status.RESOLVED: _("This request is %(status)s; it must be matched before it can be resolved."),
        Status.CLOSED: _("This request is %(status)s; it cannot be closed."),
    }[target] % {"status": status}


def support_allowed_moves(*, request: SupportRequest, by: User) -> list[str]:
    """The statuses this person may move the request to now (the buttons the page shows); the service decides."""
    side = access.speaks_for_request(by, request)
    steward = access.is_steward(by)
    return [
        target
        for (current, target), who in SUPPORT_TRANSITIONS.items()
        if current == request.status and (steward if who == _STEWARDS_ONLY else side)
    ]


def _lock_request(request: SupportRequest) -> SupportRequest:
    # The row lock makes two moves (or a move and an acceptance) take turns: the second
    # sees the first one's status and is refused if it no longer fits.
    return SupportRequest.objects.select_for_update().get(pk=request.pk)


def support_request_create(
    *, author: User, data: dict, categories, organization: Organization | None = None
) -> SupportRequest:
    """Post a request (for oneself, or for an organization one manages); its process starts open."""
    with transaction.atomic():
        if organization is not None and not access.manages_organization(author, organization.pk):
            raise ValidationError(
                {"organization": _("You can post for an organization only if you are its staff or administrator.")}
            )
        categories = list(categories)
        if not categories:
            raise ValidationError({"categories": _("Choose at least one capacity this request needs.")})
        request = SupportRequest(
            author=author,
            organization=organization,
            title=data["title"],
            what_happened=data["what_happened"],
            what_is_needed=data["what_is_needed"],
            language=data["language"],
            region=data.get("region"),
            urgency=data.get("urgency") or SupportRequest.Urgency.MEDIUM,
            is_sensitive=bool(data.get("is_sensitive")),
            status=SupportRequest.Status.OPEN,
            status_changed_at=timezone.now(),
        )
        request.full_clean()
        single_line(request.title)
        for field in ("title", "what_happened", "what_is_needed"):
            refuse_hidden_characters(getattr(request, field))
        # A double click or a second tab posts the same request twice: the author's row lock
        # makes the two take turns, and the second finds the first.
        User.objects.select_for_update().filter(pk=author.pk).first()
        duplicate = SupportRequest.objects.filter(
            author=author,
            title=request.title,
            what_happened=request.what_happened,
            what_is_needed=request.what_is_needed,
            status=SupportRequest.Status.OPEN,
        )
        if duplicate.exists():
            raise ValidationError(_("You have posted this request already; it is in the list of support requests."))
        request.save()
        request.categories.set(categories)
        SupportEvent.objects.create(request=request, actor=author, from_status="", to_status=request.status)
    return request


def support_request_move(*, request: SupportRequest, to_status: str, by: User, note: str = "") -> SupportRequest:
    """The one way a request moves through its process: checked, locked, logged with who and when."""
    Status = SupportRequest.Status
    if to_status not in Status.values:
        raise ValidationError(_("“%(status)s” is not a step of the support process.") % {"status": to_status})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError(_("Keep the note under 500 characters."))
    single_line(note)
    with transaction.atomic():
        locked = _lock_request(request)
        current = locked.status
        who = SUPPORT_TRANSITIONS.get((current, to_status))
        if who is None:
            raise ValidationError(_refusal(current, to_status))
        if who == _STEWARDS_ONLY and not access.is_steward(by):
            raise ValidationError(_("Only stewards triage requests: they check the capacities and keep spam out."))
        if who == _REQUEST_SIDE and not access.speaks_for_request(by, locked):
            raise ValidationError(
                _(
                    "This request is %(status)s; only its author, the managers of its organization "
                    "and stewards can change that."
                )
                % {"status": _status_word(current)}
            )
        if to_status == Status.MATCHED and not (
            locked.offers.filter(accepted_at__isnull=False).exists() or locked.responder_rows.exists()
        ):
            raise ValidationError(
                _("This request is %(status)s; accept an offer or choose a responder before marking it matched.")
                % {"status": _status_word(current)}
            )
        now = timezone.now()
        locked.status = to_status
        locked.status_changed_at = now
        locked.full_clean()
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        SupportEvent.objects.create(request=locked, actor=by, from_status=current, to_status=to_status, note=note)
        fragments.content_changed(SUPPORT_VERSION_KEY)  # the list's card shows the status
        if to_status == Status.TRIAGED:
            if not locked.is_sensitive:
                # Sensitive requests never reach the crowd: only the responders chosen for them hear of them.
                transaction.on_commit(
                    lambda request_id=locked.pk: notify_support_request_matches.delay(request_id), robust=True
                )
            # Responders the author chose before triage are told now (see support_responder_choose).
            for user_id in locked.responder_rows.values_list("user_id", flat=True):
                transaction.on_commit(
                    lambda request_id=locked.pk, user_id=user_id: notify_support_responder.delay(request_id, user_id),
                    robust=True,
                )
    request.status, request.status_changed_at = locked.status, locked.status_changed_at
    return locked


def _refuse_unless_open_for_help(request: SupportRequest) -> None:
    if request.is_finished:
        raise ValidationError(
            _("This request is %(status)s; it no longer takes offers.") % {"status": _status_word(request.status)}
        )


def support_offer_create(*, request: SupportRequest, author: User, kind: str, message: str, language) -> SupportOffer:
    """Answer a request with help; on a sensitive request only the people let into it may answer."""
    with transaction.atomic():
        locked = _lock_request(request)
        _refuse_unless_open_for_help(locked)
        if locked.author_id is not None and locked.author_id == author.pk:
            raise ValidationError(_("This is your own request; others offer help here."))
        is_responder = locked.is_sensitive and locked.responder_rows.filter(user=author).exists()
        if not access.may_offer_help(author, locked, is_responder=is_responder):
            raise ValidationError(_("Only the responders chosen for this sensitive request can offer help on it."))
        offer = SupportOffer(request=locked, author=author, kind=kind, message=message, language=language)
        offer.full_clean()
        refuse_hidden_characters(offer.message)
        # The request's row lock makes a double click's second offer find the first.
        if locked.offers.filter(author=author, message=offer.message).exists():
            raise ValidationError(_("You have sent this offer already."))
        offer.save()
        fragments.content_changed(SUPPORT_VERSION_KEY)  # the list's card counts the offers
    return offer


def support_offer_accept(*, offer: SupportOffer, by: User) -> SupportOffer:
    """The request's side takes up an offer; a triaged request with an accepted offer can be marked matched."""
    with transaction.atomic():
        locked = _lock_request(offer.request)
        if not access.speaks_for_request(by, locked):
            raise ValidationError(
                _("Only the author of this request, the managers of its organization and stewards accept offers.")
            )
        _refuse_unless_open_for_help(locked)
        offer = SupportOffer.objects.select_for_update().get(pk=offer.pk, request=locked)
        if offer.author_id is not None and offer.author_id == by.pk:
            # A manager or steward who offered cannot take up their own offer and call the request matched.
            raise ValidationError(_("You cannot accept your own offer; the request's side takes it up."))
        if offer.accepted_at is not None:
            raise ValidationError(_("This offer is accepted already."))
        offer.accepted_at = timezone.now()
        offer.full_clean()
        offer.save(update_fields=["accepted_at", "updated_at"])
    return offer


def support_responder_choose(*, request: SupportRequest, user: User, by: User) -> SupportResponder:
    """Let a person into a request (for a sensitive one, the only way anyone else sees it); they are emailed once."""
    with transaction.atomic():
        locked = _lock_request(request)
        if not access.can_choose_responders(by, locked):
            raise ValidationError(_("Only the author of this request and stewards choose its responders."))
        _refuse_unless_open_for_help(locked)
        if not user.is_active:
            raise ValidationError(_("This person's account is closed."))
        if locked.author_id == user.pk:
            raise ValidationError(_("The author of a request cannot be one of its responders."))
        if locked.responder_rows.count() >= SUPPORT_RESPONDERS_MAX:
            # Each one is emailed: the form is not a way to write to many people.
            raise ValidationError(
                _("A request can have at most %(count)d chosen responders.") % {"count": SUPPORT_RESPONDERS_MAX}
            )
        responder, created = SupportResponder.objects.get_or_create(
            request=locked, user=user, defaults={"chosen_by": by}
        )
        if not created:
            raise ValidationError(_("%(name)s is a responder already.") % {"name": user.public_name})
        if locked.status == SupportRequest.Status.OPEN and not access.is_steward(by):
            # Nobody is emailed about a request before a steward has triaged it (keeping spam out):
            # the email waits for triage, though the person can already see the request.
            return responder
        transaction.on_commit(
            lambda request_id=locked.pk, user_id=user.pk: notify_support_responder.delay(request_id, user_id),
            robust=True,
        )
    return responder


def support_responder_remove(*, request: SupportRequest, user: User, by: User) -> None:
    """Take a person off a request: a sensitive one disappears from their view at once."""
    with transaction.atomic():
        locked = _lock_request(request)
        if not access.can_choose_responders(by, locked):
            raise ValidationError(_("Only the author of this request and stewards choose its responders."))
        deleted, _rows = SupportResponder.objects.filter(request=locked, user=user).delete()
        if not deleted:
            raise ValidationError(_("This person is not a responder of this request."))


def profile_visibility_save(*, user: User, data: dict) -> ProfileVisibility:
    """Save what a person shows on their public profile page; each section is their choice."""
    with transaction.atomic():
        visibility = ProfileVisibility.objects.select_for_update().filter(user=user).first()
        visibility = visibility or ProfileVisibility(user=user)
        for field in PROFILE_VISIBILITY_FIELDS:
            setattr(visibility, field, bool(data.get(field)))
        visibility.full_clean()
        visibility.save()
    return visibility


PROFILE_VISIBILITY_FIELDS = (
    "is_public",
    "show_facilitated",
    "show_attended",
    "show_certificates",
    "show_offers",
    "show_capacities",
)
