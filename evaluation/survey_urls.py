"""Survey pages: my surveys, and the questionnaire behind each invitation."""

from django.urls import path

from . import survey_views

app_name = "surveys"
urlpatterns = [
    path("", survey_views.my_surveys, name="mine"),
    path("<str:token>/", survey_views.answer, name="answer"),
    path("<str:token>/thanks/", survey_views.thanks, name="thanks"),
]
