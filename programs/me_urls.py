from django.urls import path

from stakeholders import views as stakeholder_views

from . import views

app_name = "me"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("enrollments/<int:enrollment_id>/cancel/", views.cancel, name="cancel"),
    path("enrollments/<int:enrollment_id>/calendar.ics", views.session_ics, name="session_ics"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("profile/", stakeholder_views.profile, name="profile"),
]
