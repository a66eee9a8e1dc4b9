"""Everything under /api/v1/ (included by pmks/urls.py)."""

from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import schema  # noqa: F401  (registers the Api-Key security scheme)
from api.views import account, cases, households, pages, reference, referrals, stats, webhooks
from exports.api import (
    CaseExportView,
    ExportJobCreateView,
    ExportJobDetailView,
    ExportJobDownloadView,
)
from imports import api as imports_api

app_name = "api"

urlpatterns = [
    # documentation
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI: its script from a URL (the split view, no inline script); the
    # page alone may use inline styles and data: images, which Swagger UI needs.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    # HTML page for supervisors: keys, webhooks, deliveries
    path("integrasi/", pages.integration, name="integration"),
    path("integrasi/kunci/", pages.key_create, name="key_create"),
    path("integrasi/kunci/<str:prefix>/cabut/", pages.key_revoke, name="key_revoke"),
    path("integrasi/webhook/", pages.webhook_create, name="webhook_create"),
    path("integrasi/webhook/<int:pk>/nonaktif/", pages.webhook_deactivate, name="webhook_off"),
    path("integrasi/webhook/<int:pk>/ping/", pages.webhook_ping, name="webhook_ping_page"),
    path("integrasi/webhook/<int:pk>/ganti-rahasia/", pages.webhook_rotate, name="webhook_rotate"),
    path("integrasi/webhook/putar-ulang/", pages.webhook_replay, name="webhook_replay_page"),
    path(
        "integrasi/pengiriman/<uuid:delivery_id>/kirim-ulang/",
        pages.webhook_redeliver,
        name="delivery_redeliver",
    ),
    # account and webhooks
    path("me/", account.MeView.as_view(), name="me"),
    path("webhooks/", account.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", account.WebhookDetailView.as_view(), name="webhook"),
    path(
        "webhooks/<int:pk>/deliveries/<uuid:delivery_id>/redeliver/",
        webhooks.WebhookRedeliverView.as_view(),
        name="webhook_redeliver",
    ),
    path("webhooks/<int:pk>/replay/", webhooks.WebhookReplayView.as_view(), name="webhook_replay"),
    path("webhooks/<int:pk>/ping/", webhooks.WebhookPingView.as_view(), name="webhook_ping"),
    path(
        "webhooks/<int:pk>/rotate-secret/",
        webhooks.WebhookRotateSecretView.as_view(),
        name="webhook_rotate_secret",
    ),
    path(
        "webhooks/deliveries/",
        account.WebhookDeliveryListView.as_view(),
        name="webhook_deliveries",
    ),
    # referrals
    path("referrals/", referrals.ReferralListView.as_view(), name="referrals"),
    path("referrals/<int:pk>/", referrals.ReferralDetailView.as_view(), name="referral"),
    path("referrals/<int:pk>/accept/", referrals.ReferralAcceptView.as_view(), name="accept"),
    path("referrals/<int:pk>/decline/", referrals.ReferralDeclineView.as_view(), name="decline"),
    path("referrals/<int:pk>/complete/", referrals.ReferralCompleteView.as_view(), name="complete"),
    path("referrals/<int:pk>/cancel/", referrals.ReferralCancelView.as_view(), name="cancel"),
    path(
        "referrals/<int:pk>/messages/",
        referrals.ReferralMessageListView.as_view(),
        name="referral_messages",
    ),
    # offices: beneficiaries, cases, services delivered
    path("beneficiaries/", cases.BeneficiaryListView.as_view(), name="beneficiaries"),
    path("beneficiaries/<int:pk>/", cases.BeneficiaryDetailView.as_view(), name="beneficiary"),
    path("households/", households.HouseholdListView.as_view(), name="households"),
    path("households/<int:pk>/", households.HouseholdDetailView.as_view(), name="household"),
    path("cases/", cases.CaseListView.as_view(), name="cases"),
    path("cases/export.<slug:fmt>", CaseExportView.as_view(), name="case_export"),
    path("cases/<int:pk>/", cases.CaseDetailView.as_view(), name="case"),
    path("cases/<int:pk>/transition/", cases.CaseTransitionView.as_view(), name="transition"),
    path("cases/<int:pk>/services/", cases.ServiceListView.as_view(), name="services"),
    path(
        "cases/<int:pk>/services/<int:service_pk>/",
        cases.ServiceDetailView.as_view(),
        name="service",
    ),
    # exports of any list: create -> poll -> download
    path("exports/", ExportJobCreateView.as_view(), name="exports"),
    path("exports/<uuid:pk>/", ExportJobDetailView.as_view(), name="export_job"),
    path("exports/<uuid:pk>/download/", ExportJobDownloadView.as_view(), name="export_download"),
    # reference data
    path("imports/", imports_api.ImportListView.as_view(), name="imports"),
    path("imports/<int:pk>/", imports_api.ImportDetailView.as_view(), name="import"),
    path(
        "imports/<int:pk>/mapping/", imports_api.ImportMappingView.as_view(), name="import_mapping"
    ),
    path(
        "imports/<int:pk>/confirm/", imports_api.ImportConfirmView.as_view(), name="import_confirm"
    ),
    path("imports/<int:pk>/cancel/", imports_api.ImportCancelView.as_view(), name="import_cancel"),
    path("imports/<int:pk>/report/", imports_api.ImportReportView.as_view(), name="import_report"),
    path("regions/", reference.RegionListView.as_view(), name="regions"),
    path("regions/tree/", reference.RegionTreeView.as_view(), name="region_tree"),
    path("regions/<str:code>/", reference.RegionDetailView.as_view(), name="region"),
    path("categories/", reference.CategoryListView.as_view(), name="categories"),
    path("service-types/", reference.ServiceTypeListView.as_view(), name="service_types"),
    path("directory/", reference.DirectoryListView.as_view(), name="directory"),
    # statistics
    path("stats/summary/", stats.StatsSummaryView.as_view(), name="stats_summary"),
    # anything else under /api/v1/: a JSON 404
    re_path(r"^.*$", pages.not_found, name="not_found"),
]
