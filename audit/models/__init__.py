"""Models of the audit app."""
from .access import AccessTally
from .api_keys import SCOPES, ApiKey
from .events import Actor, AuditEvent, ChainHead, EventTarget, IntegrityCheck, VerificationRequest
from .idempotency import IdempotencyKey
from .pending import PendingEvent
from .tenancy import Membership, Organization, Role, User

__all__ = [
    "AccessTally",
    "SCOPES", "ApiKey",
    "Actor", "AuditEvent", "ChainHead", "EventTarget", "IntegrityCheck", "VerificationRequest",
    "IdempotencyKey",
    "PendingEvent",
    "Membership", "Organization", "Role", "User",
]
