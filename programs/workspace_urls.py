"""The affiliate staff's workspace: their organizations' programs, sessions, reports and imports."""

from django.urls import path

from . import workspace_views as views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    # Programs are found by their own slug; each view checks the person runs the provider.
    path("programs/<slug:slug>/", views.program, name="program"),
    path("programs/<slug:slug>/edit/", views.program_edit, name="program_edit"),
    path("programs/<slug:slug>/publish/", views.program_publish, name="program_publish"),
    path("programs/<slug:slug>/unpublish/", views.program_unpublish, name="program_unpublish"),
    path("programs/<slug:slug>/archive/", views.program_archive, name="program_archive"),
    path("programs/<slug:slug>/restore/", views.program_restore, name="program_restore"),
    path("programs/<slug:slug>/sessions/new/", views.session_create, name="session_create"),
    path("programs/<slug:slug>/sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"),
    path("<slug:organization_slug>/", views.organization, name="organization"),
    path("<slug:organization_slug>/programs/new/", views.program_create, name="program_create"),
    path("<slug:organization_slug>/reports/", views.reports, name="reports"),
]
