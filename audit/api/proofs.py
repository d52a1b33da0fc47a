"""Signed checkpoints and Merkle proofs over the API (contract §9), and the public keys that check them."""
from django.http import JsonResponse
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from ..models import Checkpoint
from ..periods import MAX_KEY
from ..proofs import ProofUnavailable, consistency, inclusion_proof
from ..services.checkpoints import checkpoint_document, published_keys
from . import docs
from .base import TrailView
from .pagination import decode_cursor, next_page_url, page_size_of
from .views import EventDetailView, note_read

MAX_SIZE = 2**63 - 1


class NotYetCheckpointed(APIException):
    status_code = 409
    default_detail = "The event is not yet in a signed checkpoint."


def _size(params, name: str, *, required: bool) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationError({name: ["This parameter is required."]})
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_SIZE:
        raise ValidationError({name: ["Must be a positive whole number (a checkpoint's tree size)."]})
    return int(raw)


class CheckpointsView(TrailView):
    @docs.list_checkpoints
    def get(self, request):
        params = request.query_params
        size = page_size_of(params)
        position = decode_cursor(params.get("cursor")) or {"o": "checkpoints"}
        before = position.get("before")
        if position.get("o") != "checkpoints" or not (before is None or (type(before) is int
                                                                        and 0 <= before <= MAX_KEY)):
            raise ValidationError({"cursor": ["Not a cursor this endpoint issued."]})
        checkpoints = Checkpoint.objects.filter(organization=self.organization()).order_by("-pk")
        if before is not None:
            checkpoints = checkpoints.filter(pk__lt=before)
        page = list(checkpoints[: size + 1])
        next_url = None
        if len(page) > size:
            page = page[:size]
            next_url = next_page_url(request, {"o": "checkpoints", "before": page[-1].pk})
        return Response({"results": [checkpoint_document(c) for c in page], "next": next_url})


class EventProofView(EventDetailView):
    @docs.event_proof
    def get(self, request, pk):
        event = self.scoped_event(request, pk)
        try:
            proof = inclusion_proof(self.organization(), event, _size(request.query_params, "tree_size",
                                                                       required=False))
        except ProofUnavailable as unavailable:
            if unavailable.field:
                raise ValidationError({unavailable.field: [str(unavailable)]}) from None
            raise NotYetCheckpointed(str(unavailable)) from None
        note_read(self, "event proof", {"id": str(event.pk)})
        return Response(proof)


class ConsistencyView(TrailView):
    @docs.consistency
    def get(self, request):
        params = request.query_params
        first, second = _size(params, "first", required=True), _size(params, "second", required=True)
        try:
            return Response(consistency(self.organization(), first, second))
        except ProofUnavailable as unavailable:
            raise ValidationError({unavailable.field: [str(unavailable)]}) from None


def public_keys(request):
    """GET /.well-known/trailproof-keys.json: every key that signs or signed checkpoints; public, cacheable."""
    response = JsonResponse({"keys": published_keys()})
    response["Cache-Control"] = "public, max-age=300"
    return response
