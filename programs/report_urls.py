"""A session's activity report, its Dashboard course import and its downloads, in the workspace."""

from django.urls import path

from . import report_views

app_name = "reports"

urlpatterns = [
    path("<int:session_id>/report/", report_views.report, name="report"),
    path("<int:session_id>/report/dashboard/", report_views.dashboard_import, name="dashboard_import"),
    path("<int:session_id>/report.csv", report_views.report_csv, name="report_csv"),
    path("<int:session_id>/participants.csv", report_views.participants_csv, name="participants_csv"),
]
