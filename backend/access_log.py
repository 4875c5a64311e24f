"""gunicorn's access logger without search terms: query values are replaced by `*` in the request line,
the query atom and the referer, and personal IDs anywhere in the line are masked (backend/logs.py)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from backend.logs import mask_text, redact_query, redact_request_line


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = mask_text(redact_request_line(atoms["r"]))
        atoms["q"] = redact_query(atoms["q"] or "")
        atoms["U"] = mask_text(atoms["U"] or "")
        atoms["f"] = redact_request_line(atoms["f"] or "-")
        if "{referer}i" in atoms:
            atoms["{referer}i"] = atoms["f"]
        return atoms
