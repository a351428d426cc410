from django.urls import path

from stakeholders import views as stakeholder_views

from . import people_views, views

app_name = "me"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("enrollments/<int:enrollment_id>/cancel/", views.cancel, name="cancel"),
    path("enrollments/<int:enrollment_id>/calendar.ics", views.session_ics, name="session_ics"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("profile/", stakeholder_views.profile, name="profile"),
    path("data.json", stakeholder_views.personal_data, name="personal_data"),
    path("delete/", people_views.delete_account, name="delete_account"),
    path("demographics/", people_views.demographics, name="demographics"),
    path("recognition/", people_views.recognition, name="recognition"),
    path("invitations/", stakeholder_views.my_invitations, name="invitations"),
    path("invitations/<int:invitation_id>/accept/", stakeholder_views.invitation_accept, name="accept_invitation"),
    path("invitations/<int:invitation_id>/decline/", stakeholder_views.invitation_decline, name="decline_invitation"),
]
