"""`GET retention/receipts`: the organization's deletion receipts, newest first, with cursor pagination."""
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as s
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ..canonical import format_timestamp
from ..periods import cursor_position
from ..receipts import receipt_document
from ..selectors import latest_receipts
from . import docs
from .base import TrailView
from .pagination import decode_cursor, next_page_url, page_size_of


class _Range(s.Serializer):
    first_seq = s.IntegerField()
    last_seq = s.IntegerField()
    last_hash = s.CharField(help_text="The hash of the run's last deleted event; the next event's prev_hash.")


class Receipt(s.Serializer):
    id = s.IntegerField()
    organization = s.CharField()
    policy_days = s.IntegerField()
    count = s.IntegerField()
    ranges = _Range(many=True)
    digest = s.CharField(help_text="SHA-256 over the deleted events' hashes in seq order, 32 raw bytes each.")
    purged_at = s.DateTimeField()
    held_back = s.IntegerField(help_text="Expired events kept by a legal hold.")
    event = s.IntegerField(help_text="The id of the retention.purged event naming this receipt.")


class ReceiptPage(s.Serializer):
    results = Receipt(many=True)
    next = s.URLField(allow_null=True)


def _after(receipts, raw_cursor):
    position = decode_cursor(raw_cursor)
    if position is None:
        return receipts
    try:
        moment, pk = cursor_position(position["t"], position["i"])
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise ValidationError({"cursor": ["Not a cursor this endpoint issued."]}) from None
    return receipts.filter(Q(purged_at__lt=moment) | Q(purged_at=moment, pk__lt=pk))


class ReceiptsView(TrailView):
    @extend_schema(operation_id="retention_receipts_list", summary="Deletion receipts, newest first",
                   parameters=[docs.PAGING[1], docs.PAGING[2]],
                   responses={200: ReceiptPage, **docs._errors(400)})
    def get(self, request):
        size = page_size_of(request.query_params)
        receipts = _after(latest_receipts(self.organization()).select_related("organization"),
                          request.query_params.get("cursor"))
        page = list(receipts[: size + 1])
        next_url = None
        if len(page) > size:
            page, last = page[:size], page[size - 1]
            next_url = next_page_url(request, {"t": format_timestamp(last.purged_at), "i": last.pk})
        return Response({"results": [receipt_document(r) for r in page], "next": next_url})
