"""GET /healthz (the process answers) and GET /readyz (what it depends on answers too; 503 naming what not)."""
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .checks import readiness


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    report = readiness()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
