"""Static files with content-hashed names, so a browser keeps them for a year.

`collectstatic` (make serve, the Dockerfile) writes every file under a name holding
a hash of its content (app.3f2a9c….css) and gzip/brotli copies of it, and the
manifest staticfiles.json mapping plain names to hashed ones; `{% static %}` then
links the hashed names and whitenoise serves them with
`Cache-Control: max-age=31536000, immutable`. A changed file gets a new name, so a
long cache never serves a stale one. That is what keeps a repeat visit on a slow
link small (issue 15: first visit ≤ 60 kB, repeat ≤ 15 kB).

Without a manifest (the test suite, `make run` in DEBUG, a checkout never
collected) the plain names are linked and whitenoise serves them from the source
folders (WHITENOISE_USE_FINDERS) with a short cache, instead of Django's error for a
missing manifest entry.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False
    # CSS url() references are rewritten to hashed names; JS is left as written: the
    # vendored bundles name source maps (//# sourceMappingURL) that are not shipped.
    patterns = tuple(
        (glob, rules)
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
        if glob != "*.js"
    )

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # never collected: the plain name
            return name
        return super().stored_name(name)
