"""Notices: signed webhook messages about the product itself (`checkpoint.signed`, `alert.raised`, ...).

`queue_notice` is the one way other parts of the product send one. It writes an outbox item in the main
database, inside the caller's transaction if there is one, so the notice goes out if and only if the caller's
work commits; the delivery happens later, in a worker or `deliver_webhooks`, never in the caller's request.
"""
import json
import uuid

from .models import OutboxItem, WebhookEndpoint
from .outbox import drain_on_commit
from .webhooks import action_matches

MAX_NOTICE_BYTES = 256 * 1024


def queue_notice(*, organization_id: int, notice_type: str, data: dict) -> int:
    """Queues `{"type": notice_type, "data": data}` to every matching subscription; returns how many."""
    if not notice_type or len(notice_type) > 100:
        raise ValueError("notice_type must be 1 to 100 characters")
    if len(json.dumps(data, default=_refuse)) > MAX_NOTICE_BYTES:
        raise ValueError(f"a notice's data must stay under {MAX_NOTICE_BYTES} bytes")
    endpoint_ids = [str(pk) for pk, actions in
                    WebhookEndpoint.objects.filter(organization_id=organization_id).values_list("id", "actions")
                    if action_matches(actions, notice_type)]
    if not endpoint_ids:
        return 0
    OutboxItem.objects.create(organization_id=organization_id, notice_id=uuid.uuid4(), notice_type=notice_type,
                              payload=data, endpoint_ids=endpoint_ids)
    drain_on_commit()
    return len(endpoint_ids)


def _refuse(value):
    raise TypeError(f"a notice's data must be plain JSON, not {type(value).__name__}")
