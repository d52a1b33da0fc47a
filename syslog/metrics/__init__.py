"""Prometheus metrics at /metrics: in-process counters and figures read from the databases at scrape time."""
