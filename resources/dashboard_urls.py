"""/<lang>/funding/: the funder's dashboard, the allocations behind its figures, and its tables as CSV."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("allocations/", dashboard_views.allocations, name="allocations"),
    path("table/<slug:name>.csv", dashboard_views.table_csv, name="dashboard_csv"),
]
