"""Offline capture (issue 15): the app shell and its forms, the queue page, the
service worker and manifest (page_views), and the JSON the shell syncs with
(sync_views). docs/OFFLINE.md describes the contract."""

from django.urls import path

from offline import page_views, sync_views

app_name = "offline"

urlpatterns = [
    path("luring/", page_views.shell, name="shell"),
    path("luring/antrian/", page_views.queue, name="queue"),
    path("luring/data-acuan/", sync_views.reference_data, name="reference-data"),
    path("luring/kirim/", sync_views.submit, name="submit"),
    path("sw.js", page_views.service_worker, name="service-worker"),
    path("manifest.webmanifest", page_views.manifest, name="manifest"),
]
