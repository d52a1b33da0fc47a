"""The database itself refuses to change or remove audit events, except through the retention purge path."""
import pytest
from django.db import DatabaseError, connection, transaction

from audit.guard import retention_purge_allowed
from audit.models import AuditEvent
from audit.services.integrity import verify_chain
from tests.audit.conftest import raw_sql


def refused(operation) -> str:
    """Runs `operation` in a savepoint and returns the database's refusal message."""
    with pytest.raises(DatabaseError, match="append-only") as refusal, transaction.atomic():
        operation()
    return str(refusal.value)


def test_a_plain_update_is_refused_and_changes_nothing(chain_of_ten):
    event = AuditEvent.objects.get(organization=chain_of_ten, seq=3)
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten"))
    assert "UPDATE" in refused(lambda: raw_sql("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s",
                                               [event.pk]))
    event.reason = "rewritten"
    refused(lambda: event.save())
    assert AuditEvent.objects.get(pk=event.pk).reason == "note 1"
    assert verify_chain(chain_of_ten).ok


def test_a_plain_delete_is_refused_and_removes_nothing(chain_of_ten):
    assert "DELETE" in refused(lambda: raw_sql("DELETE FROM audit_auditevent WHERE organization_id = %s",
                                               [chain_of_ten.pk]))
    refused(lambda: AuditEvent.objects.filter(organization=chain_of_ten, seq=10).delete())
    refused(lambda: AuditEvent.objects.get(organization=chain_of_ten, seq=2).delete())
    assert AuditEvent.objects.filter(organization=chain_of_ten).count() == 10
    assert verify_chain(chain_of_ten).ok


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused(chain_of_ten):
    refused(lambda: raw_sql("TRUNCATE audit_auditevent CASCADE"))
    assert AuditEvent.objects.filter(organization=chain_of_ten).count() == 10


def test_the_retention_purge_path_may_delete(chain_of_ten):
    with transaction.atomic(), retention_purge_allowed():
        deleted, _ = AuditEvent.objects.filter(organization=chain_of_ten, seq__lte=4).delete()
    assert deleted >= 4
    assert list(AuditEvent.objects.filter(organization=chain_of_ten).values_list("seq", flat=True)
                .order_by("seq")) == [5, 6, 7, 8, 9, 10]


def test_the_purge_path_closes_behind_itself(chain_of_ten):
    with transaction.atomic(), retention_purge_allowed():
        AuditEvent.objects.filter(organization=chain_of_ten, seq=1).delete()
    refused(lambda: AuditEvent.objects.filter(organization=chain_of_ten, seq=2).delete())
    assert AuditEvent.objects.filter(organization=chain_of_ten).count() == 9


def test_the_purge_path_never_allows_an_update(chain_of_ten):
    def update_while_purging():
        with retention_purge_allowed():
            AuditEvent.objects.filter(organization=chain_of_ten, seq=2).update(reason="rewritten")

    refused(update_while_purging)


def test_an_error_on_the_purge_path_is_reported_as_itself_and_the_path_closes(chain_of_ten):
    with transaction.atomic():
        with pytest.raises(ValueError, match="stop"), retention_purge_allowed():
            raise ValueError("stop")
        refused(lambda: AuditEvent.objects.filter(organization=chain_of_ten, seq=2).delete())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_purge_path_needs_a_transaction_on_postgres(org):
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="transaction.atomic"), retention_purge_allowed():
        pass
