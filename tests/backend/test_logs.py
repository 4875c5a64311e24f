"""Log masking (issue 12): personal IDs are masked in tracebacks and stacks too, and request lines - gunicorn's
access log, werkzeug's request log - keep the names of query parameters but not the searched values."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

from backend.logs import MaskPersonalIdFilter, RequestLineFilter, install_masking, redact_query

PID = "001090000123"


def _capture(name: str, *filters: logging.Filter):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for flt in filters:
        handler.addFilter(flt)
    logger = logging.getLogger(name)
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.DEBUG
    return logger, stream


def test_personal_ids_in_an_exception_traceback_are_masked():
    logger, stream = _capture("test.masking.exc", MaskPersonalIdFilter())
    try:
        raise LookupError(f"no citizen {PID} in ward 00088")
    except LookupError:
        logger.exception("lookup failed for %s", PID)
    text = stream.getvalue()
    assert "Traceback" in text and "LookupError: no citizen 0010******23 in ward 00088" in text
    assert PID not in text


def test_a_second_handler_reuses_the_masked_traceback():
    # Formatters cache exc_text on the record: the unmasked text must never be what gets cached.
    logger, stream = _capture("test.masking.two", MaskPersonalIdFilter())
    plain = io.StringIO()
    logger.addHandler(logging.StreamHandler(plain))
    try:
        raise ValueError(PID)
    except ValueError:
        logger.error("failed", exc_info=True)
    assert PID not in stream.getvalue() and PID not in plain.getvalue()


def test_stack_info_is_masked():
    logger, stream = _capture("test.masking.stack", MaskPersonalIdFilter())
    record = logger.makeRecord(
        logger.name,
        logging.WARNING,
        __file__,
        1,
        "slow",
        None,
        None,
        sinfo=f'Stack (most recent call last):\n  lookup("{PID}")',
    )
    logger.handle(record)
    assert PID not in stream.getvalue() and "0010******23" in stream.getvalue()


def test_query_values_are_redacted_but_names_kept():
    assert (
        redact_query("full_name=Nguy%E1%BB%85n+V%C4%83n+An&date_of_birth=1990-01-01&page=2")
        == "full_name=*&date_of_birth=*&page=*"
    )
    logger, stream = _capture("test.masking.werkzeug", RequestLineFilter())
    logger.info(
        '%s - - "%s" %s',
        "127.0.0.1",
        "GET /api/v1/registry/citizens?full_name=Tr%E1%BA%A7n+Th%E1%BB%8B+B%C3%ACnh&date_of_birth=1985-05-10 HTTP/1.1",
        200,
    )
    line = stream.getvalue()
    assert "/api/v1/registry/citizens?full_name=*&date_of_birth=* HTTP/1.1" in line
    assert "1985" not in line and "Tr%E1" not in line


def test_werkzeug_request_log_gets_the_filter():
    install_masking(logging.getLogger("test.masking.root"))
    assert any(isinstance(f, RequestLineFilter) for f in logging.getLogger("werkzeug").filters)


def test_gunicorn_access_log_keeps_no_search_terms_and_masks_ids():
    from gunicorn.config import Config

    from backend.access_log import AccessLogger

    config = Config()
    config.set("accesslog", None)
    logger = AccessLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "RAW_URI": f"/api/v1/registry/citizens/{PID}?full_name=L%C3%AA+V%C4%83n+C&date_of_birth=1940-03-03",
        "PATH_INFO": f"/api/v1/registry/citizens/{PID}",
        "QUERY_STRING": "full_name=L%C3%AA+V%C4%83n+C&date_of_birth=1940-03-03",
        "HTTP_REFERER": "https://congdan.example/search?q=L%C3%AA+V%C4%83n",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    assert atoms["r"] == "GET /api/v1/registry/citizens/0010******23?full_name=*&date_of_birth=* HTTP/1.1"
    assert atoms["q"] == "full_name=*&date_of_birth=*" and atoms["U"].endswith("0010******23")
    assert atoms["f"] == atoms["{referer}i"] == "https://congdan.example/search?q=*"
