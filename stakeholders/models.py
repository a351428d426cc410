"""People, organizations and the memberships that give people roles."""

import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capacity.models import Language, Region, TimeStampedModel, Translated


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


# Words the workspace's addresses use after /workspace/, where an organization's slug
# also goes (/workspace/<slug>/): an organization may not be called by them.
RESERVED_ORGANIZATION_SLUGS = frozenset({"programs", "imports", "sessions"})


def validate_organization_slug(value):
    if value in RESERVED_ORGANIZATION_SLUGS:
        raise ValidationError(
            _("“%(value)s” is a word the portal's addresses use; choose another."), params={"value": value}
        )


def new_calendar_token():
    return secrets.token_urlsafe(24)


class User(AbstractUser):
    """A person; the profile lives on the user so every page reads one row."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    home_region = models.ForeignKey(
        Region, verbose_name=_("home region"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    languages = models.ManyToManyField(Language, verbose_name=_("languages spoken"), blank=True, related_name="+")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        default="en",
        help_text=_("Emails are written in this language."),
    )
    # A secret in the private calendar feed URL; replacing it revokes old URLs.
    calendar_token = models.CharField(_("calendar feed token"), max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.public_name

    @property
    def public_name(self):
        return self.display_name or self.username


class Organization(Translated, TimeStampedModel):
    """An affiliate, hub or funder; each manages its own programs."""

    class Kind(models.TextChoices):
        CHAPTER = "chapter", _("Chapter")
        USER_GROUP = "user_group", _("User group")
        THEMATIC = "thematic", _("Thematic organization")
        HUB = "hub", _("Hub")
        FUNDER = "funder", _("Funder")
        OTHER = "other", _("Other organization")

    slug = models.SlugField(_("slug"), max_length=80, unique=True, validators=[validate_organization_slug])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations")
    languages = models.ManyToManyField(Language, verbose_name=_("working languages"), blank=True, related_name="+")
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:detail", kwargs={"slug": self.slug})


class Role(models.TextChoices):
    """What a membership lets a person do in an organization."""

    MEMBER = "member", _("Member")
    STAFF = "staff", _("Staff")
    ADMIN = "admin", _("Administrator")


class MembershipQuerySet(models.QuerySet):
    def admins(self):
        return self.filter(role=Role.ADMIN)

    def managing(self):
        """Memberships that let a person run the organization's work: staff and admins, not plain members."""
        return self.filter(role__in=[Role.STAFF, Role.ADMIN])


class Membership(TimeStampedModel):
    """A person's role in an organization: members belong, staff manage its work, admins also its people."""

    Role = Role

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"], related_name="+")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_person_and_organization")
        ]

    def __str__(self):
        return f"{self.user} — {self.organization} ({self.get_role_display()})"

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Invitation.Status.PENDING)


class Invitation(TimeStampedModel):
    """An organization's offer of a role to a person, who accepts or declines it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        User, verbose_name=_("invited person"), on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invited by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_person_and_organization",
                violation_error_message=_("This person already has a pending invitation to this organization."),
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organization} ({self.get_role_display()}, {self.get_status_display()})"
