from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from capacity.models import CapacityCategory, Language, Region
from programs.models import Program, Session
from stakeholders.models import Membership, Organization, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct horse battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"organization-{n}")
    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = Organization.Kind.CHAPTER
    region = factory.LazyFunction(lambda: Region.objects.get(slug="south-asia"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.STAFF


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"program-{n}")
    original_language = factory.LazyFunction(lambda: Language.objects.get(code="en"))
    original_title = factory.Sequence(lambda n: f"Program {n}")
    original_summary = "A training for Wikimedians."
    provider = factory.SubFactory(OrganizationFactory)
    region = factory.SelfAttribute("provider.region")
    method = Program.Method.WORKSHOP
    format = Program.Format.ONLINE
    level = Program.Level.BEGINNER
    is_published = True

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if create:
            obj.categories.set(extracted or [CapacityCategory.objects.get(slug="public-speaking")])

    @factory.post_generation
    def languages(obj, create, extracted, **kwargs):
        if create:
            obj.languages.set(extracted or [Language.objects.get(code="en")])


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    program = factory.SubFactory(ProgramFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    seats = 10
    online_url = "https://meet.example.org/secret-room"


# Support requests (models named as strings: this block is appended without touching the imports above).


class SupportRequestFactory(factory.django.DjangoModelFactory):
    """A request in any status, with the event that opened it; moves after that go through the service."""

    class Meta:
        model = "stakeholders.SupportRequest"
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Support request {n}")
    what_happened = "Our edit-a-thon venue cancelled at short notice."
    what_is_needed = "Advice on finding a new venue and telling participants."
    language = factory.LazyFunction(lambda: Language.objects.get(code="en"))
    urgency = "medium"
    status = "open"
    is_sensitive = False
    status_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if create:
            obj.categories.set(extracted or [CapacityCategory.objects.get(slug="event-organizing")])

    @factory.post_generation
    def opened(obj, create, extracted, **kwargs):
        if create:
            obj.events.create(actor=obj.author, from_status="", to_status="open")


class SupportOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stakeholders.SupportOffer"

    request = factory.SubFactory(SupportRequestFactory)
    author = factory.SubFactory(UserFactory)
    kind = "advice"
    message = "We faced the same last year; happy to share how we handled it."
    language = factory.LazyFunction(lambda: Language.objects.get(code="en"))


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "resources.Fund"

    funder = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.FUNDER)
    name = factory.Sequence(lambda n: f"Capacity fund {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))
    ends_on = factory.LazyAttribute(lambda fund: fund.starts_on.replace(month=12, day=31))
    currency_id = "EUR"


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "resources.Allocation"

    fund = factory.SubFactory(FundFactory)
    recipient = factory.SubFactory(OrganizationFactory)
    kind = "money"
    amount = Decimal("1500.00")
    currency_id = "EUR"
    starts_on = factory.SelfAttribute("fund.starts_on")
    ends_on = factory.SelfAttribute("fund.ends_on")
