from django.db import migrations, models


def leave_room_for_folds(apps, schema_editor):
    # Free space on each page lets PostgreSQL keep a folded alert's new version beside the old (a HOT update).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE syslog_alert SET (fillfactor = 70)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE syslog_alert RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("syslog", "0008_drop_system_log_policy"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="alert",
            name="alert_fold",
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(condition=models.Q(("acknowledged_at__isnull", True)),
                               fields=["organization_id", "rule", "subject"], name="alert_open_fold"),
        ),
        migrations.RunPython(leave_room_for_folds, fill_pages),
    ]
