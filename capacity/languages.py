"""The interface languages in URLs and in the language cookie."""

from django.conf import settings


def language_of_path(path):
    """The interface language whose prefix starts `path` (/ko/…), or None."""
    first, slash, _rest = path.removeprefix("/").partition("/")
    if path.startswith("/") and slash and first in dict(settings.LANGUAGES):
        return first
    return None


def path_in_language(path, language):
    """The same path under `language`'s prefix; a path without a language prefix as it is."""
    current = language_of_path(path)
    if current is None:
        return path
    return f"/{language}/" + path.removeprefix(f"/{current}/")


def set_language_cookie(response, language):
    """Remember `language` for pages without a prefix (accounts, admin), as Django's set_language does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
