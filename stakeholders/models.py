"""People, organizations and the memberships that give people roles."""

import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capacity.dates import zone_named
from capacity.models import Language, Region, TimeStampedModel, Translated, single_line


def validate_time_zone(value):
    if zone_named(value) is None:
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

    # One line without control or direction-override characters wherever it is set (the
    # profile form, the admin): it is shown in lists, emails and other people's pages.
    display_name = models.CharField(_("display name"), max_length=150, blank=True, validators=[single_line])
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
        indexes = [
            # The few deactivated accounts, so "not a deactivated person" is a lookup in a
            # tiny index, not a scan of everyone (the exchange directory asks it of every profile).
            models.Index(fields=["id"], condition=models.Q(is_active=False), name="user_deactivated"),
            # Signing up (is the address free?), signing in or resetting a password with an
            # address not verified yet, and the admin's enrollments find a person by their
            # address: a lookup, not a scan of 200,000 people.
            models.Index(fields=["email"], name="user_email"),
        ]

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


# Recognition ---------------------------------------------------------------------


class ProfileVisibility(models.Model):
    """What a person chooses to show on their public profile page; nothing until they say so."""

    user = models.OneToOneField(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="profile_visibility"
    )
    is_public = models.BooleanField(
        _("show my profile page"), default=False, help_text=_("Without this, your profile page is not shown to anyone.")
    )
    show_facilitated = models.BooleanField(_("sessions I facilitated"), default=True)
    show_attended = models.BooleanField(_("sessions I attended"), default=False)
    show_certificates = models.BooleanField(_("my certificates"), default=True)
    show_offers = models.BooleanField(_("help I offered on support requests"), default=True)
    show_capacities = models.BooleanField(_("what I share in the capacity exchange"), default=True)

    class Meta:
        verbose_name = _("profile visibility")
        verbose_name_plural = _("profile visibility")

    def __str__(self):
        return str(self.user)


# Capacity exchange -----------------------------------------------------------------


class Proficiency(models.IntegerChoices):
    """How well someone speaks a language, after the Babel levels wikis use."""

    BASIC = 1, _("Basic")
    INTERMEDIATE = 2, _("Intermediate")
    ADVANCED = 3, _("Advanced")
    NEAR_NATIVE = 4, _("Near native")
    NATIVE = 5, _("Native")


class CapacityLevel(models.IntegerChoices):
    """How much of a capacity someone has."""

    BEGINNER = 1, _("Beginner")
    PRACTISED = 2, _("Practised")
    EXPERIENCED = 3, _("Experienced")
    EXPERT = 4, _("Expert")


class ExchangeProfileQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(is_listed=True)

    def of_people(self):
        return self.filter(user__isnull=False)

    def of_organizations(self):
        return self.filter(organization__isnull=False)


class ExchangeProfile(TimeStampedModel):
    """What a person or an organization has, shares and wants to learn (topic 4: known skills discoverable)."""

    user = models.OneToOneField(
        User, verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="exchange_profile"
    )
    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exchange_profile",
    )
    is_listed = models.BooleanField(
        _("show in the directory"),
        default=True,
        help_text=_("Uncheck to hide from the directory and from mentor suggestions at once."),
    )
    about = models.TextField(_("about"), blank=True, max_length=2000)
    about_language = models.ForeignKey(
        Language,
        verbose_name=_("language of the text about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ExchangeProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange profile")
        verbose_name_plural = _("exchange profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, organization__isnull=True)
                | models.Q(user__isnull=True, organization__isnull=False),
                name="exchange_profile_of_a_person_or_an_organization",
            )
        ]
        indexes = [
            models.Index(fields=["is_listed", "region"], name="exchange_profile_listing"),
            # The directory's order: the newest listed profiles first, read from the index with LIMIT.
            models.Index(
                fields=["-updated_at", "-id"], condition=models.Q(is_listed=True), name="exchange_profile_newest"
            ),
        ]

    def __str__(self):
        return str(self.user or self.organization)

    @property
    def owner_name(self):
        return self.user.public_name if self.user_id else self.organization.shown("name").text


class ExchangeLanguage(models.Model):
    """A language a profile's owner works in, and how well."""

    profile = models.ForeignKey(
        ExchangeProfile, verbose_name=_("exchange profile"), on_delete=models.CASCADE, related_name="languages"
    )
    language = models.ForeignKey(Language, verbose_name=_("language"), on_delete=models.PROTECT, related_name="+")
    proficiency = models.PositiveSmallIntegerField(_("proficiency"), choices=Proficiency.choices)

    class Meta:
        verbose_name = _("language of an exchange profile")
        verbose_name_plural = _("languages of exchange profiles")
        constraints = [
            models.UniqueConstraint(fields=["profile", "language"], name="one_proficiency_per_profile_and_language"),
            models.CheckConstraint(
                condition=models.Q(proficiency__gte=1, proficiency__lte=5), name="proficiency_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["language", "proficiency"], name="exchange_language_lookup")]

    def __str__(self):
        return f"{self.language} ({self.get_proficiency_display()})"


class ExchangeCapacity(models.Model):
    """One capacity of a profile: had (at a level), shared with others, wanted — any of the three."""

    profile = models.ForeignKey(
        ExchangeProfile, verbose_name=_("exchange profile"), on_delete=models.CASCADE, related_name="capacities"
    )
    category = models.ForeignKey(
        "capacity.CapacityCategory", verbose_name=_("capacity"), on_delete=models.PROTECT, related_name="+"
    )
    has = models.BooleanField(_("has"), default=False)
    level = models.PositiveSmallIntegerField(_("level"), choices=CapacityLevel.choices, null=True, blank=True)
    shares = models.BooleanField(_("can share"), default=False)
    wants = models.BooleanField(_("wants to learn"), default=False)

    class Meta:
        verbose_name = _("capacity of an exchange profile")
        verbose_name_plural = _("capacities of exchange profiles")
        constraints = [
            models.UniqueConstraint(fields=["profile", "category"], name="one_row_per_profile_and_capacity"),
            models.CheckConstraint(
                condition=models.Q(has=True) | models.Q(shares=True) | models.Q(wants=True),
                name="exchange_capacity_says_something",
            ),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(has=True) | models.Q(shares=True),
                name="exchange_capacity_level_only_when_had",
            ),
        ]
        indexes = [
            models.Index(fields=["category", "shares"], name="exchange_capacity_shares"),
            models.Index(fields=["category", "wants"], name="exchange_capacity_wants"),
        ]

    def __str__(self):
        return str(self.category)


class ContactRequest(TimeStampedModel):
    """A message from one person to another, relayed by email; addresses are shown only once accepted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    sender = models.ForeignKey(
        User, verbose_name=_("from"), on_delete=models.CASCADE, related_name="contact_requests_sent"
    )
    recipient = models.ForeignKey(
        User, verbose_name=_("to"), on_delete=models.CASCADE, related_name="contact_requests_received"
    )
    category = models.ForeignKey(
        "capacity.CapacityCategory",
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Claimed by the relay email (and then the acceptance email) so each goes out once.
    relayed_at = models.DateTimeField(_("relayed by email"), null=True, blank=True)
    acceptance_sent_at = models.DateTimeField(_("acceptance emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "recipient"],
                condition=models.Q(status="pending"),
                name="one_pending_contact_request_per_pair",
                violation_error_message=_("You already wrote to this person; wait for their answer."),
            ),
            models.CheckConstraint(condition=~models.Q(sender=models.F("recipient")), name="contact_not_oneself"),
        ]

    def __str__(self):
        return f"{self.sender} → {self.recipient} ({self.get_status_display()})"


# Support requests (topic 6) ------------------------------------------------------


class SupportRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Requests this person may read: every request that is not sensitive, and the sensitive ones they are in."""
        if user.is_authenticated and user.is_superuser:  # a steward, as in access.is_steward
            return self
        visible = models.Q(is_sensitive=False)
        if user.is_authenticated:
            visible |= models.Q(author=user) | models.Q(responders=user)
        return self.filter(visible).distinct() if user.is_authenticated else self.filter(visible)


class SupportRequest(TimeStampedModel):
    """A community's call for help with a real-world challenge, moving through a visible process."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        TRIAGED = "triaged", _("Triaged")
        MATCHED = "matched", _("Matched")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Urgency(models.TextChoices):
        LOW = "low", _("Low: within months")
        MEDIUM = "medium", _("Medium: within weeks")
        HIGH = "high", _("High: within days")
        CRITICAL = "critical", _("Critical: now")

    author = models.ForeignKey(
        User,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    what_happened = models.TextField(_("what happened"), max_length=5000)
    what_is_needed = models.TextField(_("what is needed"), max_length=5000)
    language = models.ForeignKey(Language, verbose_name=_("written in"), on_delete=models.PROTECT, related_name="+")
    categories = models.ManyToManyField(
        "capacity.CapacityCategory", verbose_name=_("capacities needed"), related_name="support_requests"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Only you, the stewards and the responders they choose can see a sensitive request."),
    )
    responders = models.ManyToManyField(
        User,
        verbose_name=_("chosen responders"),
        blank=True,
        through="SupportResponder",
        through_fields=("request", "user"),
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        indexes = [
            models.Index(fields=["is_sensitive", "status", "-created_at"], name="support_request_listing"),
            # The list's order, newest first, read from the index with LIMIT.
            models.Index(fields=["-created_at", "-id"], name="support_request_newest"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("support:detail", kwargs={"request_id": self.pk})

    @property
    def is_finished(self):
        return self.status in (self.Status.RESOLVED, self.Status.CLOSED)


class SupportResponder(models.Model):
    """A person chosen to see (and answer) a sensitive request."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="responder_rows")
    user = models.ForeignKey(User, verbose_name=_("responder"), on_delete=models.CASCADE, related_name="+")
    chosen_by = models.ForeignKey(
        User, verbose_name=_("chosen by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(_("chosen"), auto_now_add=True)

    class Meta:
        verbose_name = _("chosen responder")
        verbose_name_plural = _("chosen responders")
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="one_responder_row_per_person")]


class SupportEvent(models.Model):
    """One move of a request through its process, shown to everyone who can see the request."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(_("from"), max_length=10, choices=SupportRequest.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=SupportRequest.Status.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("support request event")
        verbose_name_plural = _("support request events")


class SupportOffer(TimeStampedModel):
    """An answer to a support request: advice, resources, a person to talk to, solidarity."""

    class Kind(models.TextChoices):
        ADVICE = "advice", _("Advice")
        RESOURCES = "resources", _("Resources")
        PERSON = "person", _("A person to talk to")
        SOLIDARITY = "solidarity", _("Solidarity")

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="offers")
    author = models.ForeignKey(
        User,
        verbose_name=_("offered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_offers",
    )
    kind = models.CharField(_("kind of help"), max_length=12, choices=Kind.choices)
    message = models.TextField(_("message"), max_length=3000)
    language = models.ForeignKey(Language, verbose_name=_("written in"), on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("offer of help")
        verbose_name_plural = _("offers of help")


class SupportNotification(models.Model):
    """The email telling one matching person about one request: claimed once, so it is sent once."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("support request notification")
        verbose_name_plural = _("support request notifications")
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="one_notification_per_person")]
