#!/usr/bin/env python
"""Django's command-line utility for Trailproof."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditproject.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A missing setting is the operator's to fix: one clear line, not a traceback, and a failing exit code.
        sys.stderr.write(f"Trailproof is not configured: {error}\n"
                         "For a local try set DEBUG=1; in production set SECRET_KEY and ALLOWED_HOSTS.\n")
        sys.exit(2)
