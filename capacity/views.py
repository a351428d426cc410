from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .health import service_report
from .languages import path_in_language, set_language_cookie
from .models import GlossaryTerm


@require_GET
def glossary(request):
    terms = GlossaryTerm.objects.prefetch_related("categories").order_by("term")
    return render(request, "capacity/glossary.html", {"terms": terms})


@never_cache
@require_GET
def healthz(request):
    ok, services = service_report()
    body = {"status": "ok" if ok else "down", "services": services}
    if not ok:
        body["down"] = sorted(name for name, entry in services.items() if entry["status"] == "down")
    return JsonResponse(body, status=200 if ok else 503)


def url_in_language(url, language):
    """`url` for a reader of `language`: its prefix swapped, its query string kept.

    Account pages have no prefix and speak the language of the page they return to
    (stakeholders.middleware.AccountLanguageMiddleware), so there `next` is swapped.
    """
    parts = urlsplit(url)
    path = path_in_language(parts.path, language)
    query = parts.query
    if path == parts.path and query:
        params = QueryDict(query, mutable=True)
        inner = params.get("next", "")
        if path_in_language(inner, language) != inner:
            params["next"] = path_in_language(inner, language)
            query = params.urlencode(safe="/")
    return urlunsplit(parts._replace(path=path, query=query))


@require_POST
def set_language(request):
    """Django's set_language, switching the prefix of the page the reader is on.

    Django's own view translates `next` by resolving it in the active language, so on
    a page whose prefix differs from it (/en/… for a browser asking for Korean) nothing
    changed.
    """
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if language not in dict(settings.LANGUAGES):
        return HttpResponseRedirect(next_url or "/")
    if next_url:
        target = url_in_language(next_url, language)
    else:
        with translation.override(language):
            target = reverse("home")
    response = HttpResponseRedirect(target)
    set_language_cookie(response, language)
    return response


def error_text(error) -> str:
    """A service's ValidationError as one line for a message or a page: every message it holds, in order."""
    return " ".join(error.messages)
