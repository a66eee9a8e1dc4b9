"""The project's URLs plus one empty view: the framework's floor for the benchmark
(every middleware, the session and the user, no query of our own)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def empty(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/empty/", empty, name="bench_empty"),
    path("", include("pmks.urls")),
]
