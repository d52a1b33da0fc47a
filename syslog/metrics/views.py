"""GET /metrics in the Prometheus text format, for a bearer token (METRICS_TOKEN) or an allowed network."""
import ipaddress
import logging

from django.conf import settings
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from . import instruments  # noqa: F401  (registers the in-process metrics)
from .collector import DatabaseCollector

logger = logging.getLogger("trailproof.metrics")
DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
DATABASE_REGISTRY.register(DatabaseCollector())


def _token_given(request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def _from_allowed_network(request) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(str(network), strict=False)
               for network in settings.METRICS_ALLOWED_NETWORKS)


def refusal(request) -> HttpResponse | None:
    """None when the scraper may read; otherwise 401 (no or wrong token) or 403 (nothing would let it in)."""
    token = _token_given(request)
    if settings.METRICS_TOKEN and token and constant_time_compare(token, settings.METRICS_TOKEN):
        return None
    if _from_allowed_network(request):
        return None
    logger.warning("Refused /metrics to %s", request.META.get("REMOTE_ADDR"))
    if settings.METRICS_TOKEN:
        response = HttpResponse("A valid bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse("Metrics are not open to this address.\n", status=403, content_type="text/plain")


def _in_process_registry():
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
        return registry
    return REGISTRY


@never_cache
@require_GET
def metrics(request):
    refused = refusal(request)
    if refused is not None:
        return refused
    body = generate_latest(_in_process_registry()) + generate_latest(DATABASE_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
