"""The representation of a deletion receipt (contract §8): what the API, the exports and the pages show."""
from .canonical import format_timestamp


def receipt_document(receipt) -> dict:
    return {
        "id": receipt.pk,
        "organization": receipt.organization.slug,
        "policy_days": receipt.policy_days,
        "count": receipt.count,
        "ranges": receipt.ranges,
        "digest": receipt.digest,
        "purged_at": format_timestamp(receipt.purged_at),
        "held_back": receipt.held_back,
        "event": receipt.event_id,
    }
