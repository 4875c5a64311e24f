"""flask-smorest Api whose error responses are RFC 9457 problem details, documented as such."""

from __future__ import annotations

import http

import flask_smorest
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser, is_json_request

from backend.errors import http_exception_to_problem
from backend.json_guard import MALFORMED, take
from shared_schemas.problem import PROBLEM_CONTENT_TYPE, ProblemSchema


class StrictQueryParser(FlaskParser):
    """Unknown query parameters are refused like unknown body fields (webargs would drop them silently, while
    the OpenAPI document promises `additionalProperties: false`). A JSON body is taken from the JSON guard's
    parse (backend/json_guard.py) when it kept one, instead of being parsed a second time."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}

    def _raw_load_json(self, req):
        if is_json_request(req):
            value = take(req, req.get_data(cache=True))
            if value is not MALFORMED:
                return value
        return super()._raw_load_json(req)  # no kept parse (not JSON, malformed, parsed before): webargs' own


# Every blueprint (flask-smorest's class attribute) parses with it; set once, when the API module loads.
flask_smorest.Blueprint.ARGUMENTS_PARSER = StrictQueryParser()


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return http_exception_to_problem(error)

    def _register_responses(self):
        """As flask-smorest's, but error responses are documented as application/problem+json."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            content_type = PROBLEM_CONTENT_TYPE if status >= 400 else self.DEFAULT_RESPONSE_CONTENT_TYPE
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
