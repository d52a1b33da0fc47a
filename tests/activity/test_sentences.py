"""Every catalog action reads as a sentence; automation is credited to the bot with its rule and trigger."""
import pytest

from activity.sentences import sentence
from audit.catalog import audit_actions
from tests.activity.conftest import BOT_RULE, MARIA, at, story

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("spec", audit_actions(), ids=lambda spec: spec.action)
def test_every_catalog_action_reads_as_a_sentence(org, record, spec):
    event = record([{"action": spec.action, "occurred_at": at(5), "actor": MARIA,
                     "run": {"id": "r-1", "name": "Budget 2027"}, "task": {"id": "t-1", "name": "Approve budget"},
                     "blueprint": {"id": "bp-1", "name": "Budget approval"},
                     "automation": {"id": "a-1", "name": "Nightly check"},
                     "targets": [{"type": "document", "id": "d-1", "name": "Invoice.pdf"}],
                     "changes": {"status": {"before": "pending", "after": "in progress"}}}])[0]
    text = sentence(event)
    assert "{" not in text and "}" not in text
    assert text[0].isupper()
    if "{actor}" in spec.sentence:
        assert "Maria Lopez" in text


def test_a_task_assigned_by_the_bot_names_the_assignee_rule_and_trigger(org, record):
    bot_assignment = record(story())[3]
    assert sentence(bot_assignment) == ("Automation Bot assigned Upload documents to Sam: rule Auto-assign reviewers, "
                                        "triggered by Approve budget completed")


def test_the_bot_is_credited_never_the_rules_author(org, record):
    event = record([{"action": "task.completed", "occurred_at": at(5), "actor": {"kind": "bot"},
                     "automation": {**BOT_RULE, "name": "Close when approved"}, "task": {"id": "t", "name": "Sign"},
                     "metadata": {"rule_author": "Maria Lopez"}}])[0]
    text = sentence(event)
    assert text.startswith("Automation Bot completed Sign: rule Close when approved")
    assert "Maria" not in text


def test_a_failure_says_why(org, record):
    event = record([{"action": "automation.failed", "occurred_at": at(5), "actor": {"kind": "bot"},
                     "automation": BOT_RULE, "outcome": "failure", "reason": "mailbox full"}])[0]
    assert sentence(event).endswith("(failed: mailbox full)")


def test_a_status_change_says_from_and_to(org, record):
    event = record([{"action": "task.status_changed", "occurred_at": at(5), "actor": MARIA,
                     "task": {"id": "t", "name": "Sign"}, "changes": {"status": {"before": "pending",
                                                                                   "after": "in progress"}}}])[0]
    assert sentence(event) == "Maria Lopez moved Sign from pending to in progress"
