"""The REST API for integrations (contract §2)."""
