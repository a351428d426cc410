"""The affiliate staff's workspace: their organizations' programs, sessions, reports and imports."""

app_name = "workspace"
urlpatterns = []
