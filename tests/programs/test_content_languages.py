"""Programs are written in any language; readers see theirs, else the original, else any translation."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from capacity.models import Language
from programs import services
from tests.factories import ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def language(code):
    return Language.objects.get(code=code)


@pytest.fixture
def bangla_program():
    """Written in Bangla, translated into English only."""
    program = ProgramFactory(
        slug="wikisource-bn",
        original_language=language("bn"),
        original_title="বাংলা উইকিসংকলনে প্রুফরিডিং",
        original_summary="পুরোনো বই থেকে নির্ভুল পাঠ তৈরি করুন।",
        title_en="Proofreading on Bangla Wikisource",
        summary_en="Turn old books into accurate text.",
    )
    SessionFactory(program=program)
    return program


def test_a_reader_sees_the_translation_into_their_language(client, bangla_program):
    html = client.get("/en/programs/wikisource-bn/").content.decode()
    assert '<h1 lang="en" dir="ltr">Proofreading on Bangla Wikisource</h1>' in html
    assert 'class="notice"' not in html


def test_without_a_translation_the_original_shows_with_its_own_language_and_a_notice(client, bangla_program):
    html = client.get("/ko/programs/wikisource-bn/").content.decode()
    assert '<h1 lang="bn" dir="ltr">বাংলা উইকিসংকলনে প্রুফরিডিং</h1>' in html
    assert '<p class="lede" lang="bn" dir="ltr">পুরোনো বই থেকে নির্ভুল পাঠ তৈরি করুন।</p>' in html
    assert 'class="notice"' in html
    assert "বাংলা" in html  # the notice names the language in itself


def test_a_right_to_left_original_keeps_its_direction_on_a_left_to_right_page(client):
    program = ProgramFactory(
        slug="wikisource-ar",
        original_language=language("ar"),
        original_title="ويكي مصدر للمبتدئين",
        original_summary="مقدمة",
    )
    SessionFactory(program=program)
    html = client.get("/ko/programs/wikisource-ar/").content.decode()
    assert '<html lang="ko" dir="ltr">' in html
    assert '<h1 lang="ar" dir="rtl">ويكي مصدر للمبتدئين</h1>' in html


def test_left_to_right_content_keeps_its_direction_on_an_arabic_page(client):
    program = ProgramFactory(
        slug="sparql", original_language=language("ko"), original_title="SPARQL 워크숍", original_summary="실습 중심"
    )
    SessionFactory(program=program)
    html = client.get("/ar/programs/sparql/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert '<h1 lang="ko" dir="ltr">SPARQL 워크숍</h1>' in html


def test_a_reader_of_the_original_language_gets_no_notice(client):
    program = ProgramFactory(
        slug="sparql-ko", original_language=language("ko"), original_title="SPARQL 워크숍", original_summary="실습"
    )
    SessionFactory(program=program)
    html = client.get("/ko/programs/sparql-ko/").content.decode()
    assert '<h1 lang="ko" dir="ltr">SPARQL 워크숍</h1>' in html
    assert 'class="notice"' not in html


def test_a_field_missing_in_the_original_falls_back_to_any_translation(bangla_program):
    bangla_program.description_fr = "Atelier de relecture."
    with translation.override("ko"):
        description = bangla_program.shown("description")
    assert (description.text, description.language, description.direction) == ("Atelier de relecture.", "fr", "ltr")
    with translation.override("ar"):
        assert bangla_program.shown("title").language == "bn"


def test_the_original_title_and_summary_are_required_and_single_line():
    program = ProgramFactory.build(original_language=language("sw"), original_title="", original_summary="")
    with pytest.raises(ValidationError) as error:
        services.program_save(program=program)
    assert {"original_title", "original_summary"} <= set(error.value.message_dict)

    program.original_title = "Warsha\r\nDTSTART:20000101T000000Z"
    program.original_summary = "Muhtasari"
    program.title_en = "Workshop\nX-INJECTED:1"
    with pytest.raises(ValidationError) as error:
        services.program_save(program=program)
    assert {"original_title", "title_en"} <= set(error.value.message_dict)


def test_search_finds_the_original_and_every_translation(client, bangla_program):
    def found(query):
        return [p.slug for p in client.get("/en/programs/", {"q": query}).context["page"].object_list]

    assert found("প্রুফরিডিং") == ["wikisource-bn"]
    assert found("Proofreading") == ["wikisource-bn"]
    assert found("nothing-like-this") == []
