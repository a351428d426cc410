from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control

from capacity.dates import zone_named
from capacity.languages import language_of_path, set_language_cookie

TIME_ZONE_COOKIE = "tz"
# Where allauth's pages live (capacity/urls.py): outside the language prefixes.
ACCOUNT_PAGES = "/accounts/"


class TimeZoneMiddleware:
    """Show dates in the reader's time zone.

    Signed-in people have one in their profile; for everyone else the browser reports
    its own in a cookie (static/js/portal.js), and until it does dates are in UTC.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            zone = zone_named(user.time_zone)
        else:
            zone = zone_named(unquote(request.COOKIES.get(TIME_ZONE_COOKIE, ""))[:64])
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)


class AccountLanguageMiddleware:
    """Account pages speak the language of the page the person came from.

    Login, signup and the other account pages live outside the language prefixes, so
    LocaleMiddleware gives them the browser's language; but a person who followed
    "Log in" on /ko/… reads Korean. Their `next` names that page: its language is
    used, and remembered in the language cookie for the pages that follow without a
    `next` (confirm your email, two-factor setup). Goes after LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        if request.path_info.startswith(ACCOUNT_PAGES):
            next_url = request.POST.get("next") if request.method == "POST" else None
            language = language_of_path(next_url or request.GET.get("next", ""))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response


class PrivatePagesMiddleware:
    """Pages for one person say so (Cache-Control: private): no shared cache keeps them.

    Every response to a signed-in person carries their name or their data, and account
    pages carry a form token for one browser. Goes after AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or request.path_info.startswith(ACCOUNT_PAGES):
            patch_cache_control(response, private=True)
        return response
