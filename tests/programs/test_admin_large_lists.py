"""The admin's largest lists (enrollments, people, sessions) at the movement's scale.

Counting 2.5 million enrollments twice a page, joining all of them for a search that
matches most, and joining every row before a deep page's offset took 0.4, 17 and 15 s.
The lists now show PostgreSQL's estimate when unfiltered, find one person's enrollments
by index and read a page's rows by their ids.
"""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection

from capacity.admin import EstimatedCountPaginator
from programs import services
from programs.models import Enrollment
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

ENROLLMENTS = "/admin/programs/enrollment/"


def _enroll(people, session=None):
    session = session or SessionFactory(seats=len(people) + 5)
    return [services.enrollment_create(user=person, session=session).enrollment for person in people]


def _analyze():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE programs_enrollment")


def _pages():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('programs_enrollment') / current_setting('block_size')::int")
        return cursor.fetchone()[0]


def _statistics_say(rows=None, pages=None):
    """The table's statistics as an ANALYZE of `rows` rows (or the last one's) on `pages` pages (or its pages now).

    Set in the test's transaction, so an estimate does not hang on how earlier tests left
    the table's pages (rolled-back rows stay on them until a VACUUM; a row added after an
    ANALYZE may or may not need a new page).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = COALESCE(%s, reltuples), relpages = GREATEST(COALESCE(%s, "
            "pg_relation_size(oid) / current_setting('block_size')::int), 1) "
            "WHERE oid = 'programs_enrollment'::regclass",
            [rows, pages],
        )


def test_an_unfiltered_large_list_shows_the_estimate_and_a_filtered_one_counts(monkeypatch):
    people = [UserFactory() for _ in range(6)]
    _enroll(people)
    _analyze()
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATED_FROM", 1)
    _enroll([UserFactory(), UserFactory()])  # after the last ANALYZE: not in the estimate yet
    _statistics_say(pages=_pages())  # whether or not they took a page of their own
    assert Enrollment.objects.count() == 8
    assert EstimatedCountPaginator(Enrollment.objects.order_by("-pk"), 3).count == 6
    assert EstimatedCountPaginator(Enrollment.objects.filter(user=people[0]).order_by("-pk"), 3).count == 1
    assert EstimatedCountPaginator(Enrollment.objects.order_by("-pk").distinct(), 3).count == 8


def test_the_estimate_follows_a_table_that_grew_since_its_last_analyze(monkeypatch):
    _enroll([UserFactory() for _ in range(120)])  # more than one page of rows
    pages = _pages()
    assert pages >= 2
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATED_FROM", 1)
    _statistics_say(rows=30, pages=1)  # 30 rows a page when analyzed; the table has `pages` now
    assert EstimatedCountPaginator(Enrollment.objects.order_by("-pk"), 25).count == 30 * pages


def test_a_small_table_is_counted_exactly():
    _enroll([UserFactory() for _ in range(4)])
    _analyze()
    _enroll([UserFactory(), UserFactory()])  # the estimate says 4
    assert EstimatedCountPaginator(Enrollment.objects.order_by("-pk"), 3).count == 6


def test_pages_past_a_low_estimate_are_still_read_and_past_the_rows_are_empty(monkeypatch):
    _enroll([UserFactory() for _ in range(8)])
    _statistics_say(4)  # an estimate below the 8 rows there
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATED_FROM", 1)
    paginator = EstimatedCountPaginator(Enrollment.objects.order_by("pk"), 3)
    assert paginator.count == 4 and paginator.num_pages == 2
    assert [row.pk for row in paginator.page(3).object_list] == list(
        Enrollment.objects.order_by("pk").values_list("pk", flat=True)[6:]
    )
    with pytest.raises(EmptyPage):
        paginator.page(4)
    with pytest.raises(EmptyPage):
        paginator.page(0)


@pytest.mark.parametrize("ordering", [("-pk",), ("created_at", "pk"), ("user__username", "pk"), ("-status", "-pk")])
def test_every_page_holds_the_same_rows_in_the_same_order_as_a_plain_slice(ordering):
    people = [UserFactory(username=f"person-{n:02}") for n in range(11)]
    _enroll(people[:6])
    _enroll(people[6:])
    queryset = Enrollment.objects.select_related("user", "session__program").order_by(*ordering)
    paginator = EstimatedCountPaginator(queryset, 4)
    expected = list(queryset)
    seen = []
    for number in paginator.page_range:
        page = paginator.page(number)
        seen += list(page.object_list)
        assert [row.pk for row in page.object_list] == [row.pk for row in expected[(number - 1) * 4 : number * 4]]
    assert [row.pk for row in seen] == [row.pk for row in expected]
    assert seen[0].user.username  # the related rows came with them


def test_the_enrollments_list_finds_one_persons_enrollments_by_exact_address_or_username(client, steward):
    maria = UserFactory(username="maria", email="maria@example.org")
    # A MediaWiki sign-up keeps its username's capital; an address typed in the admin keeps its case.
    yazan = UserFactory(username="Yazan_Haddad", email="Yazan@Example.org")
    others = [UserFactory(email=f"someone{n}@example.org") for n in range(3)]
    _enroll([maria, yazan, *others])
    _enroll([maria])
    client.force_login(steward)
    for term, person, count in (
        ("maria@example.org", maria, 2),
        ("  Maria@Example.ORG ", maria, 2),
        ("maria", maria, 2),
        ("MARIA", maria, 2),
        ("Yazan_Haddad", yazan, 1),
        ("Yazan@Example.org", yazan, 1),
    ):
        page = client.get(ENROLLMENTS, {"q": term})
        assert page.status_code == 200
        assert page.context["cl"].result_count == count, term
        assert {row.user_id for row in page.context["cl"].result_list} == {person.pk}
    # A part of an address is not a person: nothing, rather than most of the movement.
    for term in ("example.org", "mari", "%", "' OR 1=1 --", "x" * 5000, "maria@example.org\r\nX-Injected: 1"):
        page = client.get(ENROLLMENTS, {"q": term})
        assert page.status_code == 200
        assert page.context["cl"].result_count == 0, term
    assert "The exact username or email address of one person." in client.get(ENROLLMENTS).content.decode()


def test_the_large_lists_answer_with_a_fixed_number_of_queries(
    client, steward, django_assert_max_num_queries, monkeypatch
):
    from programs.admin import EnrollmentAdmin, SessionAdmin
    from stakeholders.admin import PersonAdmin

    for admin_class in (EnrollmentAdmin, SessionAdmin, PersonAdmin):
        monkeypatch.setattr(admin_class, "list_per_page", 2)  # page 2 exists at both sizes
    client.force_login(steward)
    for size in (3, 30):
        for _ in range(size):  # a session each: the sessions' list grows too
            _enroll([UserFactory()])
        for url in ("/admin/stakeholders/user/", "/admin/programs/session/"):
            for query in ("", "?p=2"):
                with django_assert_max_num_queries(12):
                    assert client.get(url + query).status_code == 200, url + query
        for query in ("", "?p=2", "?status=enrolled&p=2"):
            with django_assert_max_num_queries(12):
                page = client.get(ENROLLMENTS + query)
            assert page.status_code == 200, query
            assert 1 <= len(page.context["cl"].result_list) <= 2


@pytest.mark.parametrize("page", ["999999", "-1", "x", "99999999999999999999999"])
def test_a_page_past_the_end_or_not_a_number_is_answered_not_a_500(client, steward, page):
    _enroll([UserFactory() for _ in range(3)])
    client.force_login(steward)
    response = client.get(ENROLLMENTS, {"p": page})
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("persona", ["volunteer", "staff", "affiliate_admin"])
def test_only_stewards_open_the_enrollments_list(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(ENROLLMENTS, {"q": "maria@example.org"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
