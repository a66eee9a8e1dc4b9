from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and generated data sets. Reads every app; no app reads it."""

    name = "demo"
    verbose_name = "Demo data"
