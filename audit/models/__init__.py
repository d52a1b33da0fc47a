"""Models of the audit app."""
from .access import AccessTally
from .api_keys import SCOPES, ApiKey
from .events import Actor, AuditEvent, ChainHead, EventTarget, IntegrityCheck, VerificationRequest
from .idempotency import IdempotencyKey
from .pending import PendingEvent
from .proofs import Checkpoint, MerkleLeaves, MerkleNode, MerkleTree, SigningKey
from .retention import Erasure, LegalHold, Redaction, RetentionReceipt
from .tenancy import Membership, Organization, Role, User

__all__ = [
    "AccessTally",
    "SCOPES", "ApiKey",
    "Actor", "AuditEvent", "ChainHead", "EventTarget", "IntegrityCheck", "VerificationRequest",
    "IdempotencyKey",
    "Checkpoint", "MerkleLeaves", "MerkleNode", "MerkleTree", "SigningKey",
    "Erasure", "LegalHold", "Redaction", "RetentionReceipt",
    "PendingEvent",
    "Membership", "Organization", "Role", "User",
]
