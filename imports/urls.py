from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("baru/", views.import_upload, name="upload"),
    path("templat/", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/progres/", views.import_progress, name="progress"),
    path("<int:pk>/pemetaan/", views.import_mapping, name="mapping"),
    path("<int:pk>/jalankan/", views.import_confirm, name="confirm"),
    path("<int:pk>/batal/", views.import_cancel, name="cancel"),
    path("<int:pk>/laporan/", views.import_report, name="report"),
]
