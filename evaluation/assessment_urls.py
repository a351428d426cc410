"""Self-assessment pages: /assessment/ for the signed-in person, /assessment/organizations/<slug>/ for an organization."""

from django.urls import path

from . import assessment_views

app_name = "assessment"
urlpatterns = [
    path("", assessment_views.mine, name="mine"),
    path("organizations/<slug:slug>/", assessment_views.organization, name="organization"),
]
