"""Practice pages: the library, writing and translating, the stewards' review."""

from django.urls import path

from . import practice_views as views

app_name = "practices"
urlpatterns = [
    path("", views.practice_list, name="list"),
    path("new/", views.practice_new, name="new"),
    path("mine/", views.practice_mine, name="mine"),
    path("review/", views.review_queue, name="review_queue"),
    path("<slug:slug>/", views.practice_detail, name="detail"),
    path("<slug:slug>/edit/", views.practice_edit, name="edit"),
    path("<slug:slug>/translate/<str:lang>/", views.practice_translate, name="translate"),
    path("<slug:slug>/submit/", views.practice_submit, name="submit"),
    path("<slug:slug>/review/", views.practice_review, name="review"),
]
