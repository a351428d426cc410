"""Spreadsheet imports of attendance and activity reports, per organization."""

from django.urls import path

from . import import_views as views

app_name = "imports"

urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/template/<slug:kind>.<slug:file_format>", views.template, name="template"),
    path("<slug:slug>/upload/", views.upload, name="upload"),
    path("<slug:slug>/<int:upload_id>/", views.preview, name="preview"),
    path("<slug:slug>/<int:upload_id>/import/", views.commit, name="commit"),
]
