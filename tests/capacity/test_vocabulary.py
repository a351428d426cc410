import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from capacity.models import CapacityCategory, GlossaryTerm, Language, Region

SIX = ("en", "ko", "ar", "es", "fr", "pt_br")


@pytest.mark.django_db
def test_the_seed_holds_the_ten_capacity_families_each_with_children():
    roots = CapacityCategory.objects.roots()
    assert [root.slug for root in roots] == [
        "communication",
        "governance",
        "advocacy",
        "community-organizing",
        "fundraising",
        "organizational-management",
        "leadership-development",
        "technology",
        "content",
        "learning-facilitation",
    ]
    for root in roots:
        assert root.children.count() >= 3, root.slug


@pytest.mark.django_db
def test_every_vocabulary_name_is_translated_into_the_six_languages():
    for model, field in (
        (CapacityCategory, "name"),
        (Region, "name"),
        (GlossaryTerm, "term"),
        (GlossaryTerm, "definition"),
    ):
        for row in model.objects.all():
            for code in SIX:
                assert getattr(row, f"{field}_{code}"), f"{model.__name__} {row.pk} has no {field} in {code}"


@pytest.mark.django_db
def test_names_follow_the_active_language():
    communication = CapacityCategory.objects.get(slug="communication")
    with translation.override("ko"):
        assert communication.name == communication.name_ko != communication.name_en


@pytest.mark.django_db
def test_the_eight_regions_flag_emerging_communities():
    regions = {region.slug: region.is_emerging for region in Region.objects.all()}
    assert len(regions) == 8
    assert regions["sub-saharan-africa"] is True
    assert regions["north-america"] is False
    assert sum(regions.values()) == 6


@pytest.mark.django_db
def test_languages_go_beyond_the_ui_and_know_their_direction():
    assert Language.objects.count() > 50
    assert Language.objects.get(code="ar").direction == "rtl"
    assert Language.objects.get(code="ko").autonym == "한국어"
    assert Language.objects.get(code="sw").direction == "ltr"


@pytest.mark.django_db
def test_some_categories_link_to_wikidata():
    assert CapacityCategory.objects.get(slug="communication").wikidata_url == "https://www.wikidata.org/wiki/Q11024"


@pytest.mark.django_db
def test_the_taxonomy_stays_two_levels_deep():
    child = CapacityCategory.objects.filter(parent__isnull=False).first()
    grandchild = CapacityCategory(slug="too-deep", name="Too deep", parent=child)
    with pytest.raises(ValidationError) as error:
        grandchild.full_clean()
    assert "parent" in error.value.message_dict


@pytest.mark.django_db
def test_a_wikidata_id_must_look_like_one():
    category = CapacityCategory.objects.get(slug="governance")
    category.wikidata_qid = "governance"
    with pytest.raises(ValidationError):
        category.full_clean()
