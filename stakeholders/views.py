from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from capacity.models import Language, Region

from . import selectors
from .forms import ProfileForm
from .models import Organization
from .services import user_profile_update

ORGANIZATIONS_PER_PAGE = 24


@require_GET
def organizations(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in Organization.Kind.values else ""
    region = request.GET.get("region", "")
    regions = list(Region.objects.all())
    if region not in {r.slug for r in regions}:
        region = ""
    page = Paginator(selectors.organization_list(kind=kind, region=region), ORGANIZATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "kinds": Organization.Kind.choices,
        "regions": regions,
        "selected_kind": kind,
        "selected_region": region,
        "query_without_page": query.urlencode(),
    }
    return render(request, "stakeholders/organizations.html", context)


@require_GET
def organization(request, slug):
    org = get_object_or_404(
        Organization.objects.select_related("region").prefetch_related(
            Prefetch("languages", queryset=Language.objects.order_by("english_name"))
        ),
        slug=slug,
    )
    # Read through the reverse relation: stakeholders does not import programs.
    programs = org.programs.published().upcoming().select_related("region").order_by("next_session_at", "pk")[:12]
    return render(request, "stakeholders/organization.html", {"organization": org, "programs": programs})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_profile_update(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("me:profile")
    return render(request, "stakeholders/profile.html", {"form": form})
