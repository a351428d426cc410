"""/<lang>/funding/open/ and /<lang>/funding/rates/: open to everyone."""

from django.urls import path

from . import open_views

urlpatterns = [
    path("open/", open_views.open_figures, name="open"),
    path("open/360giving.json", open_views.open_360giving, name="open_360giving"),
    path("open/<slug:table>.csv", open_views.open_table_csv, name="open_csv"),
    path("rates/", open_views.rates, name="rates"),
]
