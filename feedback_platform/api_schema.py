"""The OpenAPI schema's generator: drf-spectacular's, with the error responses every operation can give."""

from drf_spectacular import openapi

ERROR_BODY = {"type": "object", "additionalProperties": True}
#: What any operation may answer besides its own responses, documented once for all of them.
COMMON_ERRORS = {
    "400": "Bad input: each field (or `detail`, `non_field_errors`) with its messages",
    "401": "No token, or one that is not known",
    "403": "The token's user may not do this",
    "404": "No such row or page, or not in the caller's scope",
    "415": "A body of a media type the operation does not read",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error responses every operation can give (COMMON_ERRORS)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, description in COMMON_ERRORS.items():
                content = {"application/json": {"schema": ERROR_BODY}}
                if code == "404":  # a path whose id is not a number matches no route: Django's own page
                    content["text/html"] = {"schema": {"type": "string"}}
                responses.setdefault(code, {"description": description, "content": content})
        return responses
