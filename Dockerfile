# One image for web, worker, beat and the one-shot migrate service.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --create-home --uid 1000 pmks && mkdir -p /var/lib/pmks/media \
    && chown -R pmks /var/lib/pmks
USER pmks
EXPOSE 8000
# The same server as `make serve` (pmks/gunicorn.conf.py: gthread, bounded, timeouts).
ENV HOST=0.0.0.0 PORT=8000
CMD ["gunicorn", "-c", "pmks/gunicorn.conf.py"]
