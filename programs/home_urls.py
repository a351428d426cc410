from django.urls import path

from . import views

# Not namespaced: the home page is "home" everywhere.
urlpatterns = [path("", views.home, name="home")]
