import pytest

from capacity.celery import app


@pytest.mark.django_db
def test_healthz_is_200_when_database_cache_and_broker_are_up(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "services": {"database": {"status": "up"}, "cache": {"status": "up"}, "broker": {"status": "up"}},
    }


@pytest.mark.django_db
def test_healthz_is_503_naming_the_cache_when_redis_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["cache"]
    assert body["services"]["database"] == {"status": "up"}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_it_is_unreachable(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
