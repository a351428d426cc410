from django.urls import path

from . import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.organizations, name="organizations"),
    path("<slug:slug>/", views.organization, name="organization"),
]
