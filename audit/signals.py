"""Records sign-in and sign-out, and installs the append-only guard after migrations."""
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .acting import Acting
from .guard import install_append_only_guard, register_sqlite_functions
from .retention_sql import grant_application_role, install_purge_functions
from .services.recording import record_action

connection_created.connect(register_sqlite_functions)


@receiver(post_migrate)
def guard_audit_table(sender, using, **kwargs):
    from django.db import connections

    if sender.name == "audit" and using in ("default", "migrate"):
        install_append_only_guard(connections[using])
        install_purge_functions(connections[using])
        if using == "migrate" and connections[using].vendor == "postgresql":
            grant_application_role(connections[using], settings.DATABASES["default"]["USER"])


def _record_for_each_organization(user, action, request):
    acting = Acting.for_user(user, request)
    for membership in user.memberships.select_related("organization"):
        record_action(membership.organization, action, acting)


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    _record_for_each_organization(user, "auth.login", request)


@receiver(user_logged_out)
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        _record_for_each_organization(user, "auth.logout", request)
