from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("<slug:name>.<slug:fmt>", views.export_start, name="start"),
    path("tugas/<uuid:pk>/", views.job_detail, name="job"),
    path("tugas/<uuid:pk>/unduh/", views.job_download, name="download"),
]
