"""The runs of `seq` a retention purge deleted, as their receipts tell: the verifier walks the chain across them."""
from dataclasses import dataclass

from ..models import RetentionReceipt


@dataclass(frozen=True)
class PurgedRange:
    first_seq: int
    last_seq: int
    last_hash: str  # the hash of the run's last deleted event, which the next remaining event's prev_hash names


def purged_ranges(organization) -> list[PurgedRange]:
    """The organization's purged runs in `seq` order; read from the deletion receipts (contract §8).

    Whether the receipts themselves are intact is `audit.services.retention.verify_receipts`' question."""
    ranges = []
    for receipt_ranges in RetentionReceipt.objects.filter(organization=organization).values_list("ranges", flat=True):
        for run in receipt_ranges if isinstance(receipt_ranges, list) else []:
            try:
                ranges.append(PurgedRange(int(run["first_seq"]), int(run["last_seq"]), str(run["last_hash"])))
            except (KeyError, TypeError, ValueError):
                continue  # a malformed receipt is reported by verify_receipts; the walk then finds the gap
    return sorted(ranges, key=lambda r: r.first_seq)
