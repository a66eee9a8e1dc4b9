"""Home page: each role lands on its own page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.home import home_context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = home_context(request.user)
    return render(request, context.pop("template"), context)
