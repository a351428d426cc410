from django.urls import path

from . import people_views

app_name = "people"

urlpatterns = [path("<str:username>/", people_views.profile, name="profile")]
