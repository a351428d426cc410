"""assessment pages."""

app_name = "assessment"
urlpatterns = []
