from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [path("<slug:code>/", views.certificate, name="verify")]
