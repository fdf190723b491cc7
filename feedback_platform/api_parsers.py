"""DRF's three parsers, each refusing a NUL or an unpaired surrogate anywhere in the body it parsed: the API's
edge for the rule of feedback_platform.cleantext (the settings make these the default)."""

from rest_framework import exceptions, parsers

from .cleantext import UNSTORABLE, unstorable_paths


def refuse_unstorable(data):
    """The edge's check of a parsed body: a NUL or an unpaired surrogate anywhere is a 400 naming where."""
    paths = unstorable_paths(data.dict() if hasattr(data, "dict") else data)
    if paths:
        raise exceptions.ValidationError({path: [str(UNSTORABLE)] for path in paths})
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return refuse_unstorable(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return refuse_unstorable(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        refuse_unstorable(parsed.data)
        return parsed
