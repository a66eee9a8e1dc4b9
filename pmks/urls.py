from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from pmks import health
from pmks.home import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    path("akun/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("kasus/", include("cases.urls")),
    path("kasus/", include("plans.urls")),
    path("rujukan/", include("referrals.urls")),
    path("tugas/", include("followups.urls")),
    path("statistik/", include("stats.urls")),
    path("keluarga/", include("households.urls")),
    path("impor/", include("imports.urls")),
    path("ekspor/", include("exports.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("offline.urls")),
    path(settings.ADMIN_URL, admin.site.urls),  # "admin/" unless ADMIN_URL moves it
]

# A database outage answers a short 503 page (JSON under /api/), never a stack trace.
handler500 = "pmks.middleware.server_error"
# 400/403/404: the API's JSON error body under /api/, Django's pages elsewhere.
handler400 = "pmks.error_pages.bad_request"
handler403 = "pmks.error_pages.permission_denied"
handler404 = "pmks.error_pages.page_not_found"
