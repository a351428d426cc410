"""/<lang>/reports/: learning reports, their downloads, and the stewards' rebuilds.

The namespace is "learning", not "reports": programs.report_urls (a session's activity
report, under workspace/sessions/) already uses "reports", and two URL namespaces of one
name hide each other's names from reverse().
"""

from django.urls import path

from . import report_views

app_name = "learning"

urlpatterns = [
    path("", report_views.index, name="index"),
    path("rebuild/", report_views.rebuild, name="rebuild"),
    path("builds/<int:build_id>/", report_views.build_progress, name="build"),
    # The movement's report is movement/all/; the others name their region, capacity, method or organization.
    path("<slug:scope>/<slug:key>/", report_views.report, name="scope"),
    path("<slug:scope>/<slug:key>/<str:period>.csv", report_views.report_csv, name="csv"),
    path("<slug:scope>/<slug:key>/<str:period>.json", report_views.report_json, name="json"),
]
