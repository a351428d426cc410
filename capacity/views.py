from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import service_report
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
