"""Pages of offline capture (owner: issue 15, PWA client). Placeholders until built."""

from django.http import HttpRequest, HttpResponse


def shell(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def queue(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def service_worker(request: HttpRequest) -> HttpResponse:
    return HttpResponse("", content_type="text/javascript")


def manifest(request: HttpRequest) -> HttpResponse:
    return HttpResponse("{}", content_type="application/manifest+json")
