from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/sessions/<int:session_id>/enroll/", views.enroll, name="enroll"),
    path("<slug:slug>/sessions/<int:session_id>/participants/", views.participants, name="participants"),
    path(
        "<slug:slug>/sessions/<int:session_id>/participants/<int:enrollment_id>/complete/",
        views.complete,
        name="complete",
    ),
    path(
        "<slug:slug>/sessions/<int:session_id>/participants/<int:enrollment_id>/attendance/",
        views.mark_attendance,
        name="attendance",
    ),
    path(
        "<slug:slug>/sessions/<int:session_id>/participants/<int:enrollment_id>/revoke/",
        views.revoke_certificate,
        name="revoke_certificate",
    ),
    path("<slug:slug>/sessions/<int:session_id>/attendance/", views.mark_attendance_all, name="attendance_all"),
    path("<slug:slug>/sessions/<int:session_id>/cancel/", views.cancel_session, name="cancel_session"),
]
