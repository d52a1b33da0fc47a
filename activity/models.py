"""Activity projections: runs, tasks, blueprints and published versions as the recorded events describe them.

Written only by `activity.projection` inside the recording transaction (and by `rebuild_activity`); the
audit events stay the record, these tables are what the pages and the API read.
"""
from django.db import models

from audit.models import Organization

# Every table's unique key starts with the organization, so no index of its own: one index fewer to write
# for each row the recording inserts or moves (a run's every update).


class Run(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activity_runs",
                                     db_index=False)
    run_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    blueprint_id = models.CharField(max_length=200, blank=True)
    blueprint_name = models.CharField(max_length=200, blank=True)
    blueprint_version = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, blank=True)  # "" until a run.* event tells it
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    first_activity_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=0)
    task_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "run_id"], name="one_run_per_id")]
        indexes = [
            models.Index(fields=["organization", "last_activity_at", "id"], name="run_org_recent"),
        ]

    def __str__(self):
        return self.name or self.run_id


class Participant(models.Model):
    """Who took part in a run: every actor of its events, and every assignee of its tasks."""

    # Keyed by what it is: no serial id to draw and index for each of the many pairs every batch offers.
    pk = models.CompositePrimaryKey("organization_id", "run_id", "actor_id")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    run_id = models.CharField(max_length=200)
    actor_id = models.CharField(max_length=200)
    actor_kind = models.CharField(max_length=16)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "actor_id", "run_id"], name="participant_org_actor")]


class Task(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activity_tasks",
                                     db_index=False)
    task_id = models.CharField(max_length=200)
    run_id = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=30, blank=True)
    assignee_id = models.CharField(max_length=200, blank=True)
    assignee_name = models.CharField(max_length=200, blank=True)
    first_activity_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    event_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "task_id"], name="one_task_per_id")]
        # Only columns a task's events never change after its first: its updates can stay on their page (HOT).
        indexes = [models.Index(fields=["organization", "run_id"], name="task_org_run")]

    def __str__(self):
        return self.name or self.task_id


class Blueprint(models.Model):
    """A blueprint, its current draft (`fields`) and the draft edits waiting for the next publish."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activity_blueprints",
                                     db_index=False)
    blueprint_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    latest_version = models.PositiveIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    first_activity_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=0)
    fields = models.JSONField(default=dict, blank=True)   # every field's value after the latest draft edit
    pending = models.JSONField(default=dict, blank=True)  # draft edits since the last publish, merged so far

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "blueprint_id"], name="one_blueprint_per_id")]
        indexes = [models.Index(fields=["organization", "last_activity_at"], name="blueprint_org_recent")]

    def __str__(self):
        return self.name or self.blueprint_id


class BlueprintVersion(models.Model):
    """One publish: the merge of the draft edits recorded since the previous one, and the fields it left."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    blueprint_id = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=200)
    published_by_name = models.CharField(max_length=200, blank=True)
    event_seq = models.PositiveBigIntegerField()
    draft_edit_count = models.PositiveIntegerField(default=0)
    editors = models.JSONField(default=list, blank=True)        # [{id, name}] in order of their first edit
    first_edit_at = models.DateTimeField(null=True, blank=True)
    last_edit_at = models.DateTimeField(null=True, blank=True)
    first_edit_seq = models.PositiveBigIntegerField(null=True, blank=True)
    last_edit_seq = models.PositiveBigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)        # field: {before (first edit), after (last edit)}
    snapshot = models.JSONField(default=dict, blank=True)       # every field's value as published

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "blueprint_id", "version"],
                                               name="one_blueprint_version")]

    def __str__(self):
        return f"{self.blueprint_id} v{self.version}"
