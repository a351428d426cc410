"""survey pages."""

app_name = "surveys"
urlpatterns = []
