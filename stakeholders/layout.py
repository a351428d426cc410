"""The parts of the page layout (templates/base.html) that are the same for every reader in a language.

The links of the menu and the footer, the menu's links for everyone and the language
menu: {% url %} reversing thirteen links, the menu's translated labels and the loop over
the languages were about 0.4 ms of every page, a fifth of a page served from the cache
(README, Performance). The head's description and static files, the language menu's
label and button, the footer's note and the script were the next 0.1 ms: five
{% translate %}s and three {% static %}s. They are drawn once per process for each
language, script prefix, URLconf and list of languages, and read by {% portal_layout %}.
What stays in base.html is what differs between readers or pages (the title, the signed-in
links, the login links carrying the page's address, the CSRF token, the messages), and
the four labels written beside those parts (the skip link, the menu's name, Log in, Sign up).
"""

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_bidi

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
# The static files every page loads, by the names the layout's templates read them by.
STATIC = {"stylesheet": "css/portal.css", "icon": "img/favicon.svg", "script": "js/portal.js"}


@dataclass(frozen=True)
class Layout:
    language_code: str  # the <html>'s lang
    direction: str  # the <html>'s dir: "rtl" or "ltr"
    links: MappingProxyType  # {key of LINKS: URL}, read-only: every request shares it
    head: SafeString  # the <head>'s description, stylesheet and icon
    nav: SafeString  # the menu's links for everyone, as <li>s
    language_controls: SafeString  # the language menu's label, <select> (the active language selected) and button
    footer_note: SafeString  # the footer's note and its link to the service status
    script: SafeString  # the <script> of every page


def _drawn(template_name, context=None):
    # Our own templates' output, every value escaped by them.
    return mark_safe(render_to_string(template_name, context).strip())  # noqa: S308


@lru_cache(maxsize=128)
def _layout(language, script_prefix, urlconf, languages):
    links = MappingProxyType({key: reverse(name, urlconf=urlconf) for key, name in LINKS.items()})
    files = {key: static(path) for key, path in STATIC.items()}
    return Layout(
        language_code=language,
        direction="rtl" if get_language_bidi() else "ltr",
        links=links,
        head=_drawn("includes/layout_head.html", {"links": files}),
        nav=_drawn("includes/layout_nav.html", {"links": links}),
        language_controls=_drawn("includes/language_controls.html"),
        footer_note=_drawn("includes/layout_footer_note.html", {"links": links}),
        script=format_html('<script src="{}" defer></script>', files["script"]),
    )


def layout():
    """The layout's parts in the active language; drawn anew each time with DEBUG, so an edited template shows."""
    make = _layout.__wrapped__ if settings.DEBUG else _layout
    return make(
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
        tuple(code for code, _name in settings.LANGUAGES),
    )
