"""Indicators: the seeded core metrics, their codes, the stewards' admin and its history."""

from importlib import import_module

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from evaluation.models import Indicator

SEED = import_module("evaluation.migrations.0002_seed_core_indicators")

CORE = {
    # code: (kind, horizon, unit, aggregation, direction)
    "participants": ("output", "short", "people", "sum", "higher"),
    "newcomers": ("output", "short", "people", "sum", "higher"),
    "hours_of_learning": ("output", "short", "hours", "sum", "higher"),
    "pages_created_or_improved": ("output", "short", "pages", "sum", "higher"),
    "retention_3m": ("outcome", "long", "share", "rate", "higher"),
    "retention_6m": ("outcome", "long", "share", "rate", "higher"),
    "retention_12m": ("outcome", "long", "share", "rate", "higher"),
    "capacity_gain": ("outcome", "short", "rating_points", "mean", "higher"),
    "satisfaction": ("outcome", "short", "rating", "mean", "higher"),
    "emerging_share": ("output", "short", "share", "rate", "higher"),
    "cost_per_participant": ("output", "short", "usd", "rate", "lower"),
}


def form_data(indicator, **changes):
    """What the admin's change form posts for an indicator, with some fields changed."""
    data = {"code": indicator.code, "kind": indicator.kind, "horizon": indicator.horizon, "unit": indicator.unit}
    data |= {"aggregation": indicator.aggregation, "direction": indicator.direction, "position": indicator.position}
    data |= {"is_active": "on" if indicator.is_active else ""}
    for code in ("en", "ko", "ar", "es", "fr", "pt_br"):
        data[f"name_{code}"] = getattr(indicator, f"name_{code}") or ""
        data[f"definition_{code}"] = getattr(indicator, f"definition_{code}") or ""
    data["categories"] = [category.pk for category in indicator.categories.all()]
    return data | changes


@pytest.mark.django_db
def test_the_core_indicators_are_seeded_with_their_kind_horizon_unit_aggregation_and_direction():
    seeded = {i.code: (i.kind, i.horizon, i.unit, i.aggregation, i.direction) for i in Indicator.objects.all()}
    assert seeded == CORE
    assert list(Indicator.objects.values_list("code", flat=True)[:2]) == ["participants", "newcomers"]
    assert set(Indicator.objects.get(code="newcomers").categories.values_list("slug", flat=True)) == {
        "newcomer-onboarding"
    }


@pytest.mark.django_db
def test_every_seeded_indicator_has_a_name_and_definition_in_every_ui_language():
    for indicator in Indicator.objects.all():
        for code in ("en", "ko", "ar", "es", "fr", "pt_br"):
            assert getattr(indicator, f"name_{code}"), (indicator.code, code)
            assert getattr(indicator, f"definition_{code}"), (indicator.code, code)
    retention = Indicator.objects.get(code="retention_3m")
    assert retention.name_en == "Retention at 3 months"
    assert retention.name_ko == "3개월 후 유지율"
    assert retention.name_ar == "الاستبقاء بعد 3 أشهر"
    with translation.override("ar"):
        shown = Indicator.objects.get(code="participants").shown("name")
    assert (shown.text, shown.direction) == ("المشاركون", "rtl")


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["Retention", "retention-3m", "3m_retention", "retention 3m", "", "r\n"])
def test_a_code_outside_the_pattern_is_refused_with_a_message(code):
    indicator = Indicator(code=code, name_en="X", definition_en="Y", kind="output", horizon="short")
    indicator.unit, indicator.aggregation = "people", "sum"
    with pytest.raises(ValidationError) as refused:
        indicator.full_clean()
    assert "code" in refused.value.message_dict


@pytest.mark.django_db
def test_the_database_refuses_a_bad_or_repeated_code_too():
    fields = {"name_en": "X", "definition_en": "Y", "kind": "output", "horizon": "short", "unit": "people"}
    fields["aggregation"] = "sum"
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(code="Bad-Code", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(code="participants", **fields)
    duplicate = Indicator(code="participants", **fields)
    with pytest.raises(ValidationError) as refused:
        duplicate.full_clean()
    assert "code" in refused.value.message_dict


@pytest.mark.django_db
def test_a_steward_manages_indicators_in_the_admin(client, steward):
    client.force_login(steward)
    listing = client.get(reverse("admin:evaluation_indicator_changelist"), {"kind": "outcome"})
    assert listing.status_code == 200
    assert "retention_12m" in listing.text
    assert "hours_of_learning" not in listing.text
    indicator = Indicator.objects.get(code="satisfaction")
    change = client.get(reverse("admin:evaluation_indicator_change", args=[indicator.pk]))
    assert change.status_code == 200
    assert 'name="name_ko"' in change.text
    assert 'name="definition_ar"' in change.text
    assert client.get(reverse("admin:evaluation_indicator_add")).status_code == 200


@pytest.mark.django_db
def test_a_bad_code_in_the_admin_is_refused_with_a_message_and_nothing_is_saved(client, steward):
    client.force_login(steward)
    indicator = Indicator.objects.get(code="satisfaction")
    response = client.post(
        reverse("admin:evaluation_indicator_change", args=[indicator.pk]), form_data(indicator, code="Happy Score")
    )
    assert response.status_code == 200
    assert "Use lowercase letters, digits and underscores" in response.text
    assert Indicator.objects.get(pk=indicator.pk).code == "satisfaction"


@pytest.mark.django_db
def test_people_who_are_not_site_staff_cannot_open_the_indicator_admin(client, volunteer, staff):
    indicator = Indicator.objects.get(code="participants")
    urls = [
        reverse("admin:evaluation_indicator_changelist"),
        reverse("admin:evaluation_indicator_change", args=[indicator.pk]),
    ]
    for person in (None, volunteer, staff):
        if person:
            client.force_login(person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_indicators_cannot_be_deleted_in_the_admin_only_deactivated(client, steward):
    client.force_login(steward)
    indicator = Indicator.objects.get(code="participants")
    change = client.get(reverse("admin:evaluation_indicator_change", args=[indicator.pk]))
    assert reverse("admin:evaluation_indicator_delete", args=[indicator.pk]) not in change.text
    assert "never deleted" in change.text
    listing = client.get(reverse("admin:evaluation_indicator_changelist"))
    assert 'value="delete_selected"' not in listing.text
    delete_url = reverse("admin:evaluation_indicator_delete", args=[indicator.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:evaluation_indicator_changelist"),
        {"action": "delete_selected", "_selected_action": [indicator.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert Indicator.objects.filter(pk=indicator.pk).exists()


@pytest.mark.django_db
def test_loading_the_seed_again_changes_nothing_and_restores_edited_seed_text():
    before = Indicator.objects.count()
    Indicator.objects.filter(code="participants").update(name_en="Edited")
    SEED.load(global_apps, None)
    SEED.load(global_apps, None)
    assert Indicator.objects.count() == before == len(CORE)
    assert Indicator.objects.get(code="participants").name_en == "Participants"
    assert Indicator.objects.get(code="newcomers").categories.count() == 1


@pytest.mark.django_db
def test_the_history_records_a_change_with_the_steward_who_made_it(client, steward):
    client.force_login(steward)
    indicator = Indicator.objects.get(code="satisfaction")
    response = client.post(
        reverse("admin:evaluation_indicator_change", args=[indicator.pk]), form_data(indicator, is_active="")
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.is_active is False
    latest = indicator.history.latest("history_id")
    assert (latest.history_type, latest.history_user, latest.is_active) == ("~", steward, False)
    history = client.get(reverse("admin:evaluation_indicator_history", args=[indicator.pk]))
    assert history.status_code == 200
