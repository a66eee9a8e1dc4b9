from django.urls import path

from followups import views

app_name = "followups"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("<int:pk>/selesai/", views.complete, name="complete"),
    path("kantor/", views.office_overdue, name="office_overdue"),
    path("kantor/tugaskan/", views.reassign, name="reassign"),
    path("kasus/<int:case_pk>/baru/", views.followup_add, name="followup_add"),
    path("kasus/<int:case_pk>/kunjungan/", views.visit_add, name="visit_add"),
]
