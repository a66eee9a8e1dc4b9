from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("keluar/", views.outbox, name="outbox"),
    path("semua/", views.all_referrals, name="all"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/terima/", views.accept, name="accept"),
    path("<int:pk>/tolak/", views.decline, name="decline"),
    path("<int:pk>/batalkan/", views.cancel, name="cancel"),
    path("<int:pk>/selesai/", views.complete, name="complete"),
    path("<int:pk>/pesan/", views.message_post, name="message_post"),
    path("<int:pk>/surat/", views.letter, name="letter"),
    path("kasus/<int:case_pk>/rujuk/", views.create, name="create"),
    path("direktori/", views.directory, name="directory"),
    path("direktori/<int:pk>/kapasitas/", views.offer_capacity, name="offer_capacity"),
    path("notifikasi/", views.notifications, name="notifications"),
    path("notifikasi/jumlah/", views.notification_badge, name="notification_badge"),
]
