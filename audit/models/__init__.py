"""Models of the audit app."""
from .api_keys import SCOPES, ApiKey
from .events import Actor, AuditEvent, ChainHead, EventTarget, IntegrityCheck
from .tenancy import Membership, Organization, Role, User

__all__ = [
    "SCOPES", "ApiKey",
    "Actor", "AuditEvent", "ChainHead", "EventTarget", "IntegrityCheck",
    "Membership", "Organization", "Role", "User",
]
