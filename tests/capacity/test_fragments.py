"""Kept fragments (capacity.fragments): the content version read with the fragment, in one round trip."""

import pytest
from django.core.cache import cache
from django.utils import translation

from capacity import fragments

VERSION = "tests:fragments-version"


@pytest.fixture
def calls(monkeypatch):
    """The cache's reads, counted as they go to Redis (the cache itself is the real one)."""
    counted = []
    get, get_many = cache.get, cache.get_many

    def counting_get(*args, **kwargs):
        counted.append("get")
        return get(*args, **kwargs)

    def counting_get_many(*args, **kwargs):
        counted.append("get_many")
        return get_many(*args, **kwargs)

    monkeypatch.setattr(cache, "get", counting_get)
    monkeypatch.setattr(cache, "get_many", counting_get_many)
    return counted


def _kept(*parts):
    key = fragments.fragment_key("tests", *parts, version_key=VERSION)
    return key, fragments.get(key)


def test_a_fragment_served_from_the_cache_costs_one_round_trip(calls):
    key, body = _kept("page")
    assert body is None
    fragments.put(key, "<p>kept</p>")
    calls.clear()
    assert _kept("page")[1] == "<p>kept</p>"
    assert calls == ["get_many"]


@pytest.mark.django_db  # a change moves the version again when its transaction commits
def test_a_change_hides_what_was_kept_before_it():
    key, _body = _kept("page")
    fragments.put(key, "<p>before</p>")
    assert _kept("page")[1] == "<p>before</p>"
    fragments.content_changed(VERSION)
    assert _kept("page")[1] is None


@pytest.mark.django_db
def test_a_page_rendered_before_a_change_is_not_served_after_it():
    # A slow reader: it finds the version, the content changes while it renders, then it keeps its page.
    slow, _body = _kept("page")
    fragments.content_changed(VERSION)
    fresh, _body = _kept("page")
    fragments.put(slow, "<p>old rows</p>")
    assert _kept("page")[1] is None
    fragments.put(fresh, "<p>new rows</p>")
    assert _kept("page")[1] == "<p>new rows</p>"


def test_an_evicted_version_starts_afresh_and_hides_what_was_kept():
    key, _body = _kept("page")
    fragments.put(key, "<p>kept</p>")
    cache.delete(VERSION)
    key, body = _kept("page")
    assert body is None
    assert cache.get(VERSION) is not None
    fragments.put(key, "<p>again</p>")
    assert _kept("page")[1] == "<p>again</p>"


def test_each_language_and_part_keeps_its_own():
    key, _body = _kept("page", 1)
    fragments.put(key, "<p>English, 1</p>")
    assert _kept("page", 2)[1] is None
    with translation.override("ar"):
        assert _kept("page", 1)[1] is None


def test_something_else_under_the_key_is_not_served():
    key, _body = _kept("page")
    cache.set(key.name, "<p>not kept by put</p>")
    assert _kept("page")[1] is None


def test_put_without_a_version_keeps_nothing():
    key = fragments.fragment_key("tests", "unread", version_key=VERSION)
    fragments.put(key, "<p>never read</p>")  # get() was not asked: no version to keep it with
    assert cache.get(key.name) is None


@pytest.mark.django_db
def test_a_page_rendered_between_a_change_and_its_commit_is_not_served_after_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fragments.content_changed(VERSION)
        # A reader between the first move and the commit renders from rows not yet committed.
        early, _body = _kept("page")
        fragments.put(early, "<p>rows before the commit</p>")
    assert _kept("page")[1] is None


@pytest.mark.django_db
def test_a_change_moves_the_version_even_where_this_process_marked_the_cache_down():
    from capacity import cache as cache_breaker

    key, _body = _kept("page")
    fragments.put(key, "<p>before</p>")
    cache_breaker.mark_down()  # a timeout here; Redis answers the other processes
    fragments.content_changed(VERSION)
    cache_breaker.mark_up()
    assert _kept("page")[1] is None


def test_a_cache_that_stops_answering_between_the_key_and_the_read_keeps_nothing(calls):
    from capacity import cache as cache_breaker

    key = fragments.fragment_key("tests", "page", version_key=VERSION)
    cache_breaker.mark_down()
    assert fragments.get(key) is None
    fragments.put(key, "<p>kept while down</p>")
    cache_breaker.mark_up()
    assert calls == ["get_many"]
    assert cache.get(key.name) is None


def test_a_slow_readers_page_replaces_the_newer_one_without_being_served():
    slow, _body = _kept("page")
    fragments._move_on(VERSION)
    fresh, _body = _kept("page")
    fragments.put(fresh, "<p>new rows</p>")
    fragments.put(slow, "<p>old rows</p>")
    assert _kept("page")[1] is None  # lost, rendered again by the next reader: never the old rows


def test_each_time_zone_keeps_its_own():
    from django.utils import timezone

    key, _body = _kept("page")
    fragments.put(key, "<p>UTC</p>")
    with timezone.override("Asia/Seoul"):
        assert _kept("page")[1] is None
