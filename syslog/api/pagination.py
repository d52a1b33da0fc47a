"""Cursor pagination in the contract's shape: {"results": [...], "next": <url or null>}."""
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from audit.api.pagination import MAX_PAGE_SIZE, page_size_of
from audit.periods import EARLIEST, LATEST


def _is_moment(position: str) -> bool:
    try:
        moment = parse_datetime(position)
    except ValueError:
        return False
    return moment is not None and moment.tzinfo is not None and EARLIEST <= moment <= LATEST


class ResultsCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-occurred_at", "-id")

    def get_page_size(self, request):
        return page_size_of(request.query_params, default=self.page_size, maximum=MAX_PAGE_SIZE)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
            position_ok = False
        else:
            position_ok = cursor is None or cursor.position is None or _is_moment(cursor.position)
        if not position_ok:  # the position is compared with a timestamp column: a forged one must not reach it
            raise exceptions.ValidationError({"cursor": ["Invalid cursor; use the `next` link as given."]})
        return cursor

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "description": "The next page, or null on the last one."},
            },
        }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": MAX_PAGE_SIZE, "default": self.page_size})
        return parameters


class CreatedCursorPagination(ResultsCursorPagination):
    ordering = ("created_at", "id")
