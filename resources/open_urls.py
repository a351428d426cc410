"""Filled in by the funding pages."""

urlpatterns = []
