"""A display name is one line without hidden characters wherever it is set, the admin included."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from stakeholders.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["Evil\r\nBcc: someone", "Tab\tname", "\u202egnp.exe", "Null\x00name"])
def test_the_admins_person_form_refuses_a_display_name_of_several_lines_or_hidden_characters(steward, name):
    person = UserFactory(display_name="Kept Name")
    person_admin = admin.site._registry[User]
    request = RequestFactory().get("/admin/")
    request.user = steward
    form_class = person_admin.get_form(request, person, change=True, fields=["display_name"])
    form = form_class(data={"display_name": name}, instance=person)
    assert not form.is_valid()
    assert "display_name" in form.errors
    person.refresh_from_db()
    assert person.display_name == "Kept Name"


def test_an_ordinary_name_in_any_script_is_accepted(steward):
    person = UserFactory()
    person.display_name = "강민서 · يزن حداد"
    person.full_clean(exclude=["password"])
