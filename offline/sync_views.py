"""The JSON offline capture syncs with (owner: issue 15, sync server). Placeholders."""

from django.http import HttpRequest, HttpResponse


def reference_data(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def submit(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
