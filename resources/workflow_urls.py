"""The funder's funds and allocations, and the recipient's allocations and spending."""

from django.urls import path

from . import views

urlpatterns = [
    path("funds/", views.fund_list, name="funds"),
    path("funds/new/", views.fund_new, name="fund_new"),
    path("funds/<int:fund_id>/", views.fund_detail, name="fund"),
    path("funds/<int:fund_id>/edit/", views.fund_edit, name="fund_edit"),
    path("funds/<int:fund_id>/allocate/", views.allocation_new, name="allocate"),
    path("allocations/<int:allocation_id>/", views.allocation_detail, name="allocation"),
    path("allocations/<int:allocation_id>/edit/", views.allocation_edit, name="allocation_edit"),
    path("allocations/<int:allocation_id>/move/", views.allocation_move, name="allocation_move"),
    path("allocations/<int:allocation_id>/spending/new/", views.expenditure_new, name="expenditure_new"),
    path("received/", views.received, name="received"),
    path("expenditures/<int:expenditure_id>/edit/", views.expenditure_edit, name="expenditure_edit"),
    path("expenditures/<int:expenditure_id>/delete/", views.expenditure_delete, name="expenditure_delete"),
    path("expenditures/<int:expenditure_id>/receipt/", views.receipt_download, name="receipt"),
]
