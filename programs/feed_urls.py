from django.urls import path

from . import views

app_name = "calendar"

urlpatterns = [path("<slug:token>.ics", views.calendar_feed, name="feed")]
