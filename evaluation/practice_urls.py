"""practice pages."""

app_name = "practices"
urlpatterns = []
