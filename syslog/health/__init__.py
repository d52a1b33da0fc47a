"""Health of the deployment: liveness, readiness checks, the Celery heartbeats and the clock."""
