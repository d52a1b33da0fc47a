"""Stored events as OCSF 1.x events, by the class and activity the catalog gives each action."""
from datetime import datetime

from .catalog import (
    OCSF_ACCOUNT_CHANGE,
    OCSF_API_ACTIVITY,
    OCSF_AUTHENTICATION,
    OCSF_EVENT_LOG,
    OCSF_SCHEDULED_JOB,
    OCSF_USER_ACCESS,
    spec_for,
)

OCSF_VERSION = "1.7.0"
PRODUCT = {"name": "Trailproof", "vendor_name": "Trailproof"}
CLASS_NAMES = {
    OCSF_ACCOUNT_CHANGE: "Account Change", OCSF_AUTHENTICATION: "Authentication",
    OCSF_USER_ACCESS: "User Access Management", OCSF_EVENT_LOG: "Event Log Activity",
    OCSF_SCHEDULED_JOB: "Scheduled Job Activity", OCSF_API_ACTIVITY: "API Activity",
}
CATEGORY_NAMES = {1: "System Activity", 3: "Identity & Access Management", 6: "Application Activity"}
# OCSF user type_id by actor kind: 1 User, 3 System, 99 Other.
USER_TYPES = {"user": (1, "User"), "bot": (3, "System"), "system": (3, "System"), "api_client": (99, "API client")}
STATUS = {"success": (1, "Success"), "failure": (2, "Failure")}


def _millis(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)


def _user(actor: dict) -> dict:
    type_id, type_name = USER_TYPES.get(actor["kind"], (99, "Other"))
    user = {"uid": actor["id"], "type_id": type_id, "type": type_name}
    if actor.get("name"):
        user["name"] = actor["name"]
    if actor.get("email"):
        user["email_addr"] = actor["email"]
    return user


def _target_user(document: dict) -> dict:
    """The account an IAM event is about: its first user target, else the actor."""
    for target in document["targets"] or []:
        if target["type"] == "user":
            return {"uid": target["id"], **({"name": target["name"]} if target.get("name") else {})}
    return _user(document["actor"])


def _resources(document: dict) -> list[dict]:
    return [{"uid": t["id"], "type": t["type"], **({"name": t["name"]} if t.get("name") else {})}
            for t in document["targets"] or []]


def _class_fields(class_uid: int, document: dict) -> dict:
    if class_uid == OCSF_AUTHENTICATION:
        return {"user": _user(document["actor"])}
    if class_uid == OCSF_ACCOUNT_CHANGE:
        return {"user": _target_user(document)}
    if class_uid == OCSF_USER_ACCESS:
        role = ((document["changes"] or {}).get("role") or {})
        privileges = [str(role.get("after") or role.get("before") or document["action"])]
        return {"user": _target_user(document), "privileges": privileges, "resources": _resources(document)}
    if class_uid == OCSF_EVENT_LOG:
        return {"log_name": "audit", "log_provider": "Trailproof", "log_type_id": 2, "log_type": "Application"}
    if class_uid == OCSF_SCHEDULED_JOB:
        automation = document["automation"] or {}
        return {"job": {"name": automation.get("name") or automation.get("id") or document["action"]},
                "device": {"type_id": 0, "name": "Trailproof"}}
    return {"api": {"operation": document["action"], "service": {"name": "Trailproof"}},
            "resources": _resources(document)}


def ocsf_event(document: dict) -> dict:
    """The OCSF form of one stored event document (see audit.documents.event_document)."""
    spec = spec_for(document["action"])
    class_uid, activity_id = spec.ocsf_class, spec.ocsf_activity
    status_id, status = STATUS[document["outcome"]]
    source = document["source"] or {}
    event = {
        "class_uid": class_uid,
        "class_name": CLASS_NAMES.get(class_uid, ""),
        "category_uid": class_uid // 1000,
        "category_name": CATEGORY_NAMES.get(class_uid // 1000, ""),
        "activity_id": activity_id,
        "type_uid": class_uid * 100 + activity_id,
        "time": _millis(document["occurred_at"]),
        "severity_id": 1,
        "severity": "Informational",
        "status_id": status_id,
        "status": status,
        "message": document["action"],
        "actor": {"user": _user(document["actor"]),
                  **({"app_name": document["automation"]["name"] or document["automation"]["id"]}
                     if document["automation"] else {})},
        "src_endpoint": {"ip": source["ip"]} if source.get("ip") else {},
        "metadata": {
            "version": OCSF_VERSION, "product": PRODUCT, "uid": str(document["id"]),
            "sequence": document["seq"], "logged_time": _millis(document["recorded_at"]),
            "log_name": "audit", "tenant_uid": document["organization"],
            **({"correlation_uid": document["run"]["id"]} if document["run"] else {}),
        },
        "unmapped": {key: document[key] for key in (
            "action", "category", "event_id", "automation", "targets", "run", "task", "blueprint", "changes",
            "metadata", "recorded_via", "prev_hash", "hash") if document[key] not in (None, [], {})},
    }
    if document["reason"]:
        event["status_detail"] = document["reason"]
    if source.get("user_agent"):
        event["http_request"] = {"user_agent": source["user_agent"]}
    event.update(_class_fields(class_uid, document))
    return event
