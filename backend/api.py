"""flask-smorest Api whose error responses are RFC 9457 problem details, documented as such."""

from __future__ import annotations

from flask_smorest import Api

from backend.errors import http_exception_to_problem
from shared_schemas.problem import ProblemSchema


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return http_exception_to_problem(error)

    def _register_responses(self):
        super()._register_responses()
