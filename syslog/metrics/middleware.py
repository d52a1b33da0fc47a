"""Times API ingest (POST /api/v1/events) for the ingest latency histogram, without touching the API's code."""
import time

from .instruments import INGEST_SECONDS


class IngestTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name == "api:events":
            INGEST_SECONDS.labels(status=str(response.status_code)).observe(time.perf_counter() - started)
        return response
