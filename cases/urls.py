from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("tugaskan/", views.case_assign, name="case_assign"),
    path("persetujuan/", views.approval_queue, name="approval_queue"),
    path("baru/", views.case_create, name="case_create"),
    path("baru/<int:beneficiary_pk>/", views.case_create, name="case_create_for"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/berkas/", views.case_file, name="case_file"),
    path("<int:pk>/ubah/", views.case_edit, name="case_edit"),
    path("<int:pk>/status/", views.case_transition, name="case_transition"),
    path("<int:pk>/catatan/", views.case_note, name="case_note"),
    path("<int:pk>/asesmen/", views.assessment_create, name="assessment_create"),
    path("<int:pk>/layanan/", views.service_create, name="service_create"),
    path("<int:pk>/layanan/<int:service_pk>/", views.service_update, name="service_update"),
    path("<int:pk>/lampiran/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/lampiran/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("penerima/", views.beneficiary_list, name="beneficiary_list"),
    path("penerima/daftar/", views.beneficiary_register, name="beneficiary_register"),
    path("penerima/<int:pk>/", views.beneficiary_detail, name="beneficiary_detail"),
    path("penerima/<int:pk>/ubah/", views.beneficiary_edit, name="beneficiary_edit"),
    path("wilayah/", views.region_options, name="region_options"),
    path("cek-nik/", views.nik_check, name="nik_check"),
]
