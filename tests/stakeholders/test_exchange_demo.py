"""The demo gives its people exchange profiles a visitor can explore, and loading it twice changes nothing."""

import pytest
from django.core.management import call_command

from stakeholders.models import ContactRequest, ExchangeProfile, User
from stakeholders.selectors import mentor_matches


@pytest.mark.django_db
def test_the_demo_fills_the_exchange_once():
    call_command("demo", verbosity=0)
    counts = (ExchangeProfile.objects.count(), ContactRequest.objects.count())
    call_command("demo", verbosity=0)
    assert (ExchangeProfile.objects.count(), ContactRequest.objects.count()) == counts
    assert ExchangeProfile.objects.of_organizations().listed().exists()
    assert ExchangeProfile.objects.filter(is_listed=False).count() == 1
    assert set(ContactRequest.objects.values_list("status", flat=True)) == {"pending", "accepted"}
    # Yazan writes Arabic and wants grant writing: Nourhan, who shares it in Arabic, comes first.
    first = mentor_matches(user=User.objects.get(username="yazan_haddad")).page[0]
    assert first.user.username == "nourhan_elsayed"
