from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .access import MANAGING_ROLES

# The layout's links (templates/base.html), by the names its template once reversed on every page.
LAYOUT_LINKS = {
    "home": "home",
    "catalog": "programs:catalog",
    "organizations": "organizations:list",
    "exchange": "exchange:directory",
    "glossary": "capacity:glossary",
    "support": "support:list",
    "funding": "funding:dashboard",
    "learning": "learning:index",
    "practices": "practices:list",
    "my_learning": "me:my_learning",
    "workspace": "workspace:home",
    "admin": "admin:index",
    "account": "account_email",
    "logout": "account_logout",
    "login": "account_login",
    "signup": "account_signup",
    "set_language": "set_language",
    "status": "healthz",
}


@dataclass(frozen=True)
class Layout:
    """The parts of the layout that are the same for everyone reading in one language."""

    links: dict  # {key of LAYOUT_LINKS: URL}
    nav: SafeString  # the menu's links for everyone, as <li>s
    language_options: SafeString  # the language menu's <option>s, the language selected


@lru_cache(maxsize=128)
def _layout(language, script_prefix, urlconf, languages):
    links = {key: reverse(name, urlconf=urlconf) for key, name in LAYOUT_LINKS.items()}
    # Our own templates' output, every value escaped by them.
    nav = mark_safe(render_to_string("includes/layout_nav.html", {"links": links}))  # noqa: S308
    options = mark_safe(render_to_string("includes/language_options.html"))  # noqa: S308
    return Layout(links=links, nav=nav, language_options=options)


def layout():
    """The layout's parts for the active language, made once per process (and script prefix, URLconf and languages).

    Nothing in them depends on who reads: {% url %} reversing thirteen links, the menu's
    translated labels and the loop over the languages were, on every page, about 0.35 ms of
    the 0.95 the layout took to render; a page served from the cache costs about 1.9 ms
    in all (README, Performance).
    """
    # With DEBUG (a local copy), drawn for each request, so that an edited template shows at once.
    make = _layout.__wrapped__ if settings.DEBUG else _layout
    return make(
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
        tuple(code for code, _name in settings.LANGUAGES),
    )


def portal(request):
    """Navigation data for the layout, queried only when a page renders the menu.

    The organization links and the workspace link come from the same one query.
    """
    user = getattr(request, "user", None)

    def memberships():
        if user is None or not user.is_authenticated:
            return []
        return list(user.memberships.select_related("organization").order_by("organization__name"))

    portal_memberships = SimpleLazyObject(memberships)

    def shows_workspace():
        if user is None or not user.is_authenticated:
            return False
        return user.is_superuser or any(membership.role in MANAGING_ROLES for membership in portal_memberships)

    parts = layout()
    return {
        "portal_memberships": portal_memberships,
        "portal_shows_workspace": SimpleLazyObject(shows_workspace),
        "portal_links": parts.links,
        "portal_nav": parts.nav,
        "portal_language_options": parts.language_options,
    }
