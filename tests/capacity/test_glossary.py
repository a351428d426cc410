import pytest

from capacity.models import GlossaryTerm


@pytest.mark.django_db
def test_the_glossary_reads_in_korean(client, django_assert_max_num_queries):
    term = GlossaryTerm.objects.get(slug="capacity-building")
    with django_assert_max_num_queries(6):
        response = client.get("/ko/glossary/")
    assert response.status_code == 200
    assert term.term_ko in response.content.decode()


@pytest.mark.django_db
def test_the_glossary_query_count_does_not_grow_with_terms(client, django_assert_max_num_queries):
    for number in range(40):
        GlossaryTerm.objects.create(slug=f"extra-{number}", term_en=f"Extra {number}", definition_en="More words.")
    with django_assert_max_num_queries(6):
        response = client.get("/en/glossary/")
    assert "Extra 39" in response.content.decode()


@pytest.mark.django_db
def test_an_empty_glossary_says_so(client):
    GlossaryTerm.objects.all().delete()
    response = client.get("/en/glossary/")
    assert "The glossary is empty." in response.content.decode()
