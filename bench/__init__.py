"""The performance benchmark (bench/run.py); not part of the application."""
