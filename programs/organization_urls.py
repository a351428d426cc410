from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.organizations, name="list"),
    path("<slug:slug>/", views.organization, name="detail"),
]
