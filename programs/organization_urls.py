from django.urls import path

from stakeholders import views as stakeholder_views

from . import audit_views, report_views, views

app_name = "organizations"

urlpatterns = [
    path("", views.organizations, name="list"),
    path("<slug:slug>/", views.organization, name="detail"),
    path("<slug:slug>/edit/", stakeholder_views.organization_edit, name="edit"),
    path("<slug:slug>/members/", stakeholder_views.members, name="members"),
    path("<slug:slug>/members/invite/", stakeholder_views.member_invite, name="invite"),
    path("<slug:slug>/members/<int:membership_id>/role/", stakeholder_views.member_change_role, name="change_role"),
    path("<slug:slug>/members/<int:membership_id>/remove/", stakeholder_views.member_remove, name="remove_member"),
    path(
        "<slug:slug>/invitations/<int:invitation_id>/withdraw/",
        stakeholder_views.invitation_withdraw,
        name="withdraw_invitation",
    ),
    path("<slug:slug>/leave/", stakeholder_views.organization_leave, name="leave"),
    path("<slug:slug>/reports.csv", report_views.organization_reports_csv, name="reports_csv"),
    path("<slug:slug>/audit/", audit_views.organization_audit, name="audit"),
]
