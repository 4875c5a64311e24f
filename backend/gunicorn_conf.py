"""gunicorn settings for `make run`: access log on stdout with personal ID numbers masked and query values
(searched names, dates of birth) left out."""

import logging

accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = "backend.access_log.AccessLogger"
timeout = 30
# Threads beyond MAX_IN_FLIGHT (set below) only turn requests away with 503: overload never queues.
worker_class = "gthread"
threads = 16
raw_env = ["MAX_IN_FLIGHT=8"]
graceful_timeout = 10


def on_starting(server):
    from backend.logs import MaskPersonalIdFilter

    for name in ("gunicorn.access", "gunicorn.error"):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(MaskPersonalIdFilter())


def post_fork(server, worker):
    on_starting(server)
