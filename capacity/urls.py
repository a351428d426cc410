"""The root URL configuration: public pages under a language prefix, the rest outside."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from capacity import views as capacity_views

# The admin logs in through allauth, so two-factor authentication applies there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Capacity administration")
admin.site.site_title = _("Capacity administration")

glossary_patterns = (
    [path("", capacity_views.glossary, name="glossary")],
    "capacity",
)

urlpatterns = [
    path("healthz", capacity_views.healthz, name="healthz"),
    path("i18n/setlang/", capacity_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("calendar/", include("programs.feed_urls")),
    path("badges/", include("programs.badge_urls")),
]

urlpatterns += i18n_patterns(
    # Apps are included by name: the project's URLconf lives in the lowest app and
    # must not import the apps above it.
    path("", include("programs.home_urls")),
    path("glossary/", include(glossary_patterns)),
    path("organizations/", include("programs.organization_urls")),
    path("programs/", include("programs.urls")),
    path("me/", include("programs.me_urls")),
    path("people/", include("programs.people_urls")),
    path("exchange/", include("stakeholders.exchange_urls")),
    path("support/", include("stakeholders.support_urls")),
    path("funding/", include("resources.urls")),
    path("reports/", include("evaluation.report_urls")),
    path("practices/", include("evaluation.practice_urls")),
    path("surveys/", include("evaluation.survey_urls")),
    path("assessment/", include("evaluation.assessment_urls")),
    path("certificates/", include("programs.certificate_urls")),
    path("workspace/sessions/", include("programs.report_urls")),
    path("workspace/imports/", include("programs.import_urls")),
    path("workspace/", include("programs.workspace_urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
