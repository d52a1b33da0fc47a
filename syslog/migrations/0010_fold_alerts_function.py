from django.db import migrations

# Folds a batch's repeats into the organization's open alerts: the subjects' locks (two processes seeing the same
# burst raise one alert, not two), then one UPDATE, committed without waiting for the disk (a fold only raises a
# count; a crash may lose the last instant's). A function, so PostgreSQL plans the UPDATE once per connection.
# Each (rule, subject) is looked up on its own in the open alerts' index (the LATERAL, fenced by OFFSET 0): left to
# join freely, the planner scans all of an organization's open alerts whenever its statistics predate them.
FOLD_ALERTS = """
CREATE OR REPLACE FUNCTION trailproof_fold_alerts(p_org bigint, p_now timestamptz, p_locks bigint[], p_rules text[],
                                                  p_subjects text[], p_added integer[], p_since timestamptz[])
RETURNS SETOF syslog_alert LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(k) FROM unnest(p_locks) WITH ORDINALITY AS t(k, n) ORDER BY n;
    PERFORM set_config('synchronous_commit', 'off', true);
    RETURN QUERY
    UPDATE syslog_alert AS a SET count = a.count + v.added, last_seen_at = p_now
      FROM unnest(p_rules, p_subjects, p_added, p_since) AS v(rule, subject, added, since)
     CROSS JOIN LATERAL (SELECT o.id FROM syslog_alert AS o
                          WHERE o.organization_id = p_org AND o.rule = v.rule AND o.subject = v.subject
                            AND o.acknowledged_at IS NULL AND o.last_seen_at >= v.since OFFSET 0) AS open
     WHERE a.id = open.id
    RETURNING a.*;
END $$;
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FOLD_ALERTS)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS trailproof_fold_alerts(bigint, timestamptz, bigint[], text[], "
                              "text[], integer[], timestamptz[])")


class Migration(migrations.Migration):

    dependencies = [
        ("syslog", "0009_alert_open_fold_index"),
    ]

    operations = [
        migrations.RunPython(create_function, drop_function),
    ]
