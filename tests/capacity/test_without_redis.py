"""With Redis unreachable the portal is slower, not broken, and /healthz says so at once."""

import socket
import time

import pytest
from django.core.cache import cache

from capacity.celery import app
from tests.factories import ProgramFactory

# Nothing listens here: every connection is refused, as when Redis is down.
CLOSED_PORT_URL = "redis://127.0.0.1:6390/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The production cache configuration, pointed at a Redis that is not there."""
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 6390)) != 0, "something listens on port 6390"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED_PORT_URL}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_PORT_URL)


@pytest.fixture
def redis_hanging(settings, monkeypatch):
    """A Redis that accepts connections and never answers: the slow way to be down."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
        settings.CELERY_TASK_ALWAYS_EAGER = False
        monkeypatch.setattr(app.conf, "broker_url", url)
        yield


def test_the_cache_gives_up_quickly_and_never_raises(settings):
    options = settings.CACHES["default"]["OPTIONS"]
    assert options["IGNORE_EXCEPTIONS"] is True
    assert options["SOCKET_CONNECT_TIMEOUT"] <= 0.5
    assert options["SOCKET_TIMEOUT"] <= 0.5


def test_with_redis_up_add_still_refuses_a_key_that_exists():
    # The fail-open add() only answers True when Redis cannot be reached.
    assert cache.add("held", "first") is True
    assert cache.add("held", "second") is False
    assert cache.get("held") == "first"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/", "/en/programs/", "/en/programs/?q=wiki", "/ko/glossary/"])
def test_public_pages_answer_without_the_cache(client, redis_down, path):
    ProgramFactory(original_title="Wiki editing basics")
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_a_program_page_answers_without_the_cache(client, redis_down):
    program = ProgramFactory()
    assert client.get(f"/en/programs/{program.slug}/").status_code == 200


@pytest.mark.django_db
def test_a_person_logs_in_without_the_cache(client, volunteer, redis_down):
    # allauth's login rate limit keeps its counters in the cache.
    response = client.post("/accounts/login/", {"login": volunteer.email, "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get("/en/me/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_is_still_refused_without_the_cache(client, volunteer, redis_down):
    response = client.post("/accounts/login/", {"login": volunteer.email, "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_healthz_names_cache_and_broker_when_redis_is_down(client, redis_down):
    started = time.perf_counter()
    response = client.get("/healthz")
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker", "cache"]
    assert body["services"]["database"] == {"status": "up"}
    # A refused connection fails at once: before the fix a broker retry slept 2 s.
    assert elapsed < 1.0, f"/healthz took {elapsed:.2f} s"


@pytest.mark.django_db
def test_healthz_answers_within_a_second_when_redis_hangs(client, redis_hanging):
    started = time.perf_counter()
    response = client.get("/healthz")
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.json()["down"] == ["broker", "cache"]
    # Each check's socket timeouts bound it; without them this request never returned.
    assert elapsed < 2.0, f"/healthz took {elapsed:.2f} s"


@pytest.mark.django_db
def test_pages_with_kept_parts_stop_asking_a_hanging_redis_for_a_while(client, redis_hanging):
    from capacity import cache as cache_breaker
    from tests.factories import OrganizationFactory, SupportRequestFactory

    organization = OrganizationFactory()
    SupportRequestFactory(title="Venue lost", organization=organization)
    ProgramFactory(provider=organization)
    # The first page waits for the cache's timeouts once, then renders without it.
    assert client.get("/en/support/").status_code == 200
    assert cache_breaker.is_down()
    started = time.perf_counter()
    for path in ("/en/support/", f"/en/organizations/{organization.slug}/", "/en/exchange/"):
        response = client.get(path)
        assert response.status_code == 200
    elapsed = time.perf_counter() - started
    assert "Venue lost" in client.get("/en/support/").content.decode()
    # Each would wait at least 0.75 s of timeouts if it asked the cache again.
    assert elapsed < 0.75, f"three pages took {elapsed:.2f} s"


def test_while_marked_down_kept_content_is_a_miss_without_asking_then_asked_again():
    from capacity import cache as cache_breaker

    cache.set("kept", "before")
    cache_breaker.mark_down()
    assert cache.get("kept") is None  # a miss, not Redis's answer
    assert cache.get("kept", "default") == "default"
    cache.set("kept", "during")
    assert cache.get_many(["kept"]) == {}
    # RETRY_SECONDS later the next call asks Redis again, which kept what it had.
    cache_breaker._down_until = time.monotonic() - 1
    assert not cache_breaker.is_down()
    assert cache.get("kept") == "before"


def test_counters_and_locks_still_ask_redis_while_kept_content_is_skipped():
    # add() guards one-time codes against replay and the rate limits' locks: never waved through.
    from capacity import cache as cache_breaker

    assert cache.add("used-code", 1) is True
    cache_breaker.mark_down()
    assert cache.add("used-code", 1) is False
    assert cache.add("fresh-code", 1) is True
    assert cache.incr("used-code") == 2


@pytest.mark.django_db
def test_healthz_asks_redis_even_while_marked_down_and_lets_the_pages_ask_again(client):
    from capacity import cache as cache_breaker

    cache_breaker.mark_down()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["services"]["cache"] == {"status": "up"}
    assert not cache_breaker.is_down()


def test_an_error_redis_answers_with_does_not_mark_the_cache_down():
    from capacity import cache as cache_breaker

    cache.set("text", "value")
    cache.sadd("members", "someone")
    # GET of a set: Redis answers WRONGTYPE (a miss for the caller), which is no sign of being down.
    assert cache.get("members") is None
    assert not cache_breaker.is_down()
    assert cache.get("text") == "value"


def test_the_breaker_says_once_when_it_opens(caplog):
    from capacity import cache as cache_breaker

    with caplog.at_level("WARNING", logger="capacity.cache"):
        cache_breaker.mark_down()
        cache_breaker.mark_down()  # still open: nothing more to say
    assert [record.getMessage() for record in caplog.records] == [
        "The cache did not answer: this process renders without kept content for 5 s."
    ]


def test_a_version_moved_on_for_the_first_time_does_not_stop_the_fragments(settings):
    # Django's own caches answer None to set(): a first move (no version yet) is no failure.
    from capacity import cache as cache_breaker
    from capacity import fragments

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    fragments._move_on("tests:never-moved")
    assert not cache_breaker.is_down()
    fragments._move_on("tests:never-moved")
    assert not cache_breaker.is_down()
