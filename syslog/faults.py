"""Application faults (ISO 27001 A.8.15): an unhandled exception in a request or a task becomes an
`app.fault` system log entry with its stack trace and a correlation id, and the person is shown that id only.

Faults with no organization (an anonymous page, a job for the whole deployment) are logged under
organization 0, the deployment, which superusers read in the Django admin and on the system log page.
"""
import logging
import traceback
import uuid

from .services import log_system_event

logger = logging.getLogger("trailproof.faults")
DEPLOYMENT = 0
MAX_TRACE_CHARS = 12_000


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def log_fault(*, exception: BaseException, where: str, correlation_id: str, organization_id: int | None) -> None:
    """Never raises: a fault while logging a fault must not hide the first one from the person's answer."""
    logger.error("Fault %s in %s", correlation_id, where, exc_info=(type(exception), exception,
                                                                     exception.__traceback__))
    trace = "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
    try:
        log_system_event(
            organization_id=organization_id or DEPLOYMENT, kind="app.fault", severity="error",
            message=f"{type(exception).__name__} in {where} (correlation id {correlation_id})",
            details={"correlation_id": correlation_id, "where": where, "exception": type(exception).__name__,
                     "traceback": trace[-MAX_TRACE_CHARS:]})
    except Exception:
        logger.exception("Could not store fault %s in the system log", correlation_id)
