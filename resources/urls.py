"""/<lang>/funding/: the funder's dashboard, allocations and spending, and the open figures."""

from . import dashboard_urls, open_urls, workflow_urls

app_name = "funding"

urlpatterns = dashboard_urls.urlpatterns + workflow_urls.urlpatterns + open_urls.urlpatterns
