"""The parts of the page layout (templates/base.html) that are the same for every reader in a language.

The links of the menu and the footer, the menu's links for everyone and the language
menu's options: {% url %} reversing thirteen links, the menu's translated labels and the
loop over the languages were about 0.4 ms of every page, a fifth of a page served from
the cache (README, Performance). They are drawn once per process for each language,
script prefix, URLconf and list of languages, and read by {% portal_layout %}.
"""

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# The layout's links, by the URL names its template reversed on every page.
LINKS = {
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
    links: MappingProxyType  # {key of LINKS: URL}, read-only: every request shares it
    nav: SafeString  # the menu's links for everyone, as <li>s
    language_options: SafeString  # the language menu's <option>s, the active language selected


@lru_cache(maxsize=128)
def _layout(language, script_prefix, urlconf, languages):
    links = MappingProxyType({key: reverse(name, urlconf=urlconf) for key, name in LINKS.items()})
    # Our own templates' output, every value escaped by them.
    nav = mark_safe(render_to_string("includes/layout_nav.html", {"links": links}))  # noqa: S308
    options = mark_safe(render_to_string("includes/language_options.html"))  # noqa: S308
    return Layout(links=links, nav=nav, language_options=options)


def layout():
    """The layout's parts in the active language; drawn anew each time with DEBUG, so an edited template shows."""
    make = _layout.__wrapped__ if settings.DEBUG else _layout
    return make(
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
        tuple(code for code, _name in settings.LANGUAGES),
    )
