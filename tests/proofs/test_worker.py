"""The scheduled checkpoint job through a real Celery worker and Redis, its copy delivered to a real webhook."""
import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook

from audit.acting import Acting
from audit.models import Checkpoint, SigningKey
from audit.offline import checkpoint_signed_bytes
from syslog.models import SystemLogEntry
from syslog.webhooks import create_webhook
from tests.syslog.conftest import private_targets, receiver  # noqa: F401 (fixtures)
from tests.syslog.test_celery_worker import celery_worker, worker_env  # noqa: F401 (fixtures)
from tests.syslog.workers import BROKER, client_app

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(databases=["default", "syslog"], transaction=True)]


def test_the_beat_task_signs_in_a_worker_and_the_copy_reaches_the_webhook(org, receiver, private_targets,  # noqa: F811
                                                                           celery_worker, worker_env):  # noqa: F811
    endpoint = create_webhook(organization=org, url=receiver.url, actions=[], acting=Acting.for_system("tests"))
    client_app(BROKER).send_task("audit.tasks.sign_all_checkpoints")

    payload = {}
    while payload.get("type") != "checkpoint.signed":  # audit events (the webhook's creation) may come first
        delivery = receiver.received(timeout=60)
        payload = Webhook(endpoint.secret).verify(delivery["body"], delivery["headers"])
    checkpoint = payload["data"]
    stored = Checkpoint.objects.get(organization=org)
    assert checkpoint["signature"] == stored.signature and checkpoint["tree_size"] == stored.tree_size
    public = SigningKey.objects.get(key_id=checkpoint["key_id"]).public_key
    Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(
        base64.b64decode(checkpoint["signature"]), checkpoint_signed_bytes(checkpoint))
    deadline = time.monotonic() + 60
    while not SystemLogEntry.objects.filter(organization_id=org.pk, kind="checkpoint.signed").exists():
        assert time.monotonic() < deadline, celery_worker.read_text()
        time.sleep(0.1)
