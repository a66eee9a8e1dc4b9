from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("provinsi/", views.province, name="province"),
    path("provinsi/unduh/<slug:table>.<slug:fmt>", views.province_export, name="province_export"),
    path("kabupaten/<str:code>/", views.regency, name="regency"),
    path(
        "kabupaten/<str:code>/unduh/<slug:table>.<slug:fmt>",
        views.regency_export,
        name="regency_export",
    ),
]
