"""The product's URLs, plus /bench/bare: one SELECT 1 through the whole middleware stack.

And /bench/pid: which worker process answered (bench/exports.py watches its memory).
"""

import os

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from capacity.urls import urlpatterns as capacity_urlpatterns


def bare(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


def pid(request):
    return HttpResponse(str(os.getpid()), content_type="text/plain")


# The product's patterns are spliced in rather than include()d: i18n_patterns only
# works at the root of the URL configuration.
urlpatterns = [path("bench/bare", bare), path("bench/pid", pid), *capacity_urlpatterns]
