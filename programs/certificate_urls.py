from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [path("<str:code>/", views.certificate, name="verify")]
