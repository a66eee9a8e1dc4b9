"""Pages of offline capture (issue 15, the browser side).

- `shell` (/luring/): the app shell with the four offline forms. Its HTML holds no
  personal data: the choices that depend on the user (kecamatan/desa, own open
  cases, service types) are filled in by static/js/offline.js from the reference
  data cached in IndexedDB. The service worker keeps a copy, and serves it for any
  page asked for while the device has no connection.
- `queue` (/luring/antrian/): "Antrian kirim", the outbox rendered by offline.js.
- `service_worker` (/sw.js): static/js/sw.js behind a prelude naming the files to
  cache (their hashed names) and a version, served from the root so its scope is
  the whole site.
- `manifest` (/manifest.webmanifest): the web app manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cases.forms import AssessmentForm, BeneficiaryForm, CaseEditForm, NoteForm, ServiceForm

# Static files the shell needs with no connection (the service worker caches them
# at install; any other static file is cached the first time it is fetched).
SHELL_STATIC = (
    "css/app.css",
    "css/offline.css",
    "vendor/htmx/htmx.min.js",
    "js/app.js",
    "js/store.js",
    "js/drafts.js",
    "js/offline.js",
    "js/logout.js",
    "js/offline_forms.js",
    "js/offline_queue.js",
    "img/icon-192.png",
    "img/icon-512.png",
)


SYNC_RESULT = gettext_lazy(
    "Terkirim {sent}, ditolak {refused}, ganda {duplicate}, bentrok {conflict}, menunggu {pending}."
)


def _shell_pages() -> list[str]:
    return [reverse("offline:shell"), reverse("offline:queue")]


def _field_labels() -> dict[str, str]:
    """Every offline form field's label, for the queue page's field errors."""
    labels = {"case": str(_("Kasus"))}
    forms = (BeneficiaryForm(), AssessmentForm(), ServiceForm(), NoteForm(), CaseEditForm())
    for form in forms:
        labels.update({name: str(field.label or name) for name, field in form.fields.items()})
    return labels


def _status_words() -> dict[str, object]:
    return {
        "status": {
            "pending": _("menunggu dikirim"),
            "sent": _("terkirim"),
            "linked": _("terkirim: memakai data yang ada"),
            "refused": _("ditolak, perlu diperbaiki"),
            "duplicate": _("mungkin data ganda, perlu keputusan"),
            "conflict": _("bentrok dengan perubahan lain, perlu dipilih"),
        },
        "kind": {
            "beneficiary": _("Registrasi penerima manfaat"),
            "assessment": _("Asesmen"),
            "service": _("Layanan"),
            "note": _("Catatan kasus"),
            "case_edit": _("Perubahan kasus"),
        },
    }


def _messages() -> dict[str, object]:
    """The words offline.js shows, in the user's language (JSON in the page)."""
    return {
        **_status_words(),
        "fields": _field_labels(),
        "queued": _("Tersimpan di antrian perangkat ini. Akan dikirim saat ada sinyal."),
        "queuedOnline": _("Tersimpan di antrian; sedang dikirim."),
        "offline": _("Tanpa sinyal: data disimpan di perangkat ini."),
        "online": _("Tersambung."),
        "loginRequired": _("Sesi berakhir: masuk lagi supaya antrian dapat dikirim."),
        "refdataAge": _("Data acuan diperbarui:"),
        "refdataMissing": _("Data acuan belum tersimpan di perangkat ini."),
        "fixErrors": _("Periksa isian yang ditandai."),
        "required": _("Wajib diisi."),
        "noCase": _("Pilih kasus."),
        "nothingChanged": _("Belum ada yang diubah dari data kasus ini."),
        "correcting": _("Memperbaiki data yang ditolak; kirim ulang dengan tombol simpan."),
        "fix": _("Perbaiki"),
        "open": _("Buka"),
        "linkExisting": _("Buka data yang ada"),
        "registerNew": _("Daftarkan sebagai orang baru"),
        "matchesIntro": _("Orang yang mungkin sama sudah terdaftar:"),
        "age": _("umur"),
        "desa": _("desa"),
        "nik": _("NIK"),
        "noKk": _("No. KK"),
        "office": _("kantor"),
        "lastCase": _("kasus terakhir"),
        "conflictIntro": _("Orang lain mengubah data ini. Pilih nilai yang dipakai:"),
        "mine": _("Isian saya"),
        "theirs": _("Isian di server"),
        "sendChoice": _("Kirim pilihan"),
        "discard": _("Buang"),
        "discardConfirm": _("Buang data ini dari antrian? Data yang belum terkirim akan hilang."),
        "sentAt": _("dikirim"),
        "createdAt": _("dicatat"),
        "syncResult": str(SYNC_RESULT),
    }


@require_GET
@login_required
def shell(request: HttpRequest) -> HttpResponse:
    """The offline forms. Empty Django forms give the fields, labels and fixed
    choices; the regency list is the province's ten kabupaten/kota (public)."""
    context = {
        "beneficiary_form": BeneficiaryForm(auto_id="id_b_%s"),
        "assessment_form": AssessmentForm(auto_id="id_a_%s"),
        "service_form": ServiceForm(auto_id="id_s_%s"),
        "note_form": NoteForm(auto_id="id_n_%s"),
        "case_edit_form": CaseEditForm(auto_id="id_e_%s"),
        "offline_messages": _messages(),
    }
    return render(request, "offline/shell.html", context)


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "offline/queue.html", {"offline_messages": _messages()})


def _files_stamp() -> str:
    """Size and time of each cached file: without hashed names (DEBUG, tests) a
    changed file still changes the worker's version."""
    stamps = []
    for name in SHELL_STATIC:
        found = finders.find(name)
        if isinstance(found, str):
            stat = Path(found).stat()
            stamps.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(stamps)


def _worker_source() -> str:
    path = finders.find("js/sw.js")
    assert isinstance(path, str), "static/js/sw.js ships with the project"
    return Path(path).read_text(encoding="utf-8")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker with its configuration. The version is a hash of the worker and
    of the file names it caches: a new deploy (new hashed names) or a changed
    worker installs afresh and drops the old caches."""
    source = _worker_source()
    config = {
        "shell": _shell_pages(),
        "static": [static(name) for name in SHELL_STATIC],
        "staticPrefix": static(""),
    }
    digest = hashlib.sha256((json.dumps(config) + source + _files_stamp()).encode()).hexdigest()[
        :12
    ]
    config["version"] = digest
    body = f"self.PMKS_SW = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("PMKS Kaltim"),
        "short_name": _("PMKS Kaltim"),
        "description": _("Pencatatan kasus PMKS Dinas Sosial Kalimantan Timur, juga tanpa sinyal"),
        "lang": "id",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#0b3d6e",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response
