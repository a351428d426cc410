from django.urls import path

from . import badge_views

app_name = "badges"

urlpatterns = [
    path("assertions/<slug:code>.json", badge_views.assertion, name="assertion"),
    path("programs/<slug:slug>.json", badge_views.badge_class, name="badge_class"),
    path("issuers/<slug:slug>.json", badge_views.issuer, name="issuer"),
]
