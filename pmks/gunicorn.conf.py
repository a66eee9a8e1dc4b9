"""Production web server (`make serve`, the Dockerfile and compose use it).

gthread: WEB_WORKERS processes × WEB_THREADS threads (defaults 2 × 16 for 2 cores).
Pages spend much of their time waiting on Postgres, so threads overlap those waits.
Bounded everywhere: a kernel backlog of 128, at most WEB_THREADS × 2 connections
held per process (the rest wait in the backlog or are refused by the kernel), and
the in-flight limit (pmks/middleware.py, WEB_MAX_IN_FLIGHT, default WEB_THREADS - 4)
that answers 503 + Retry-After at once past capacity. The limit sits below the thread
count on purpose: a gthread worker never runs more requests than it has threads, so a
limit equal to WEB_THREADS never refuses anything and an overload queues for tens of
seconds in front of Django (`make load` measured 60 s p95); the threads above the limit
are the ones that answer the 503s quickly. A request over 30 s is killed.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
wsgi_app = "pmks.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "16"))
worker_connections = threads * 2
backlog = int(os.environ.get("WEB_BACKLOG", "128"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
os.environ.setdefault("WEB_MAX_IN_FLIGHT", str(max(threads - 4, 1)))
