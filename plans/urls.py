"""Under /kasus/ beside the case pages: /kasus/<case>/rencana/..."""

from django.urls import path

from plans import views

app_name = "plans"

version = "<int:pk>/rencana/<int:number>/"

urlpatterns = [
    path("persetujuan-rencana/", views.approval_queue, name="approval_queue"),
    path("<int:pk>/rencana/", views.plan_page, name="plan_page"),
    path("<int:pk>/rencana/baru/", views.plan_create, name="plan_create"),
    path(version, views.plan_page, name="plan_version"),
    path(version + "tujuan/", views.goal_add, name="goal_add"),
    path(version + "tujuan/<int:goal_pk>/", views.goal_edit, name="goal_edit"),
    path(version + "tujuan/<int:goal_pk>/hapus/", views.goal_delete, name="goal_delete"),
    path(version + "tujuan/<int:goal_pk>/tindakan/", views.action_add, name="action_add"),
    path(version + "tindakan/<int:action_pk>/", views.action_edit, name="action_edit"),
    path(version + "tindakan/<int:action_pk>/hapus/", views.action_delete, name="action_delete"),
    path(version + "ajukan/", views.plan_submit, name="plan_submit"),
    path(version + "setujui/", views.plan_approve, name="plan_approve"),
    path(version + "kembalikan/", views.plan_return, name="plan_return"),
]
