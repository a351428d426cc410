from django.urls import path

from . import exchange_views as views

app_name = "exchange"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/", views.edit_mine, name="edit_mine"),
    path("me/hide/", views.hide_mine, name="hide_mine"),
    path("organizations/<slug:slug>/edit/", views.edit_organization, name="edit_organization"),
    path("mentors/", views.mentors, name="mentors"),
    path("people/<int:profile_id>/contact/", views.contact, name="contact"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/<int:contact_request_id>/accept/", views.contact_accept, name="contact_accept"),
    path("contacts/<int:contact_request_id>/decline/", views.contact_decline, name="contact_decline"),
]
