"""The events' and targets' foreign keys lose their single-column indexes: composite indexes lead with them.

Only the indexes are dropped (AlterField would also drop and re-add, and so re-check over every row, the
foreign key constraints).
"""
import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("audit_auditevent_actor_id_270bb4b7", "audit_auditevent", "actor_id"),
    ("audit_auditevent_organization_id_4b1fe3b9", "audit_auditevent", "organization_id"),
    ("audit_eventtarget_organization_id_4e9a7aa0", "audit_eventtarget", "organization_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0012_integrity_check_latest_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='auditevent',
                    name='actor',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='events', to='audit.actor'),
                ),
                migrations.AlterField(
                    model_name='auditevent',
                    name='organization',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='audit_events', to='audit.organization'),
                ),
                migrations.AlterField(
                    model_name='eventtarget',
                    name='organization',
                    field=models.ForeignKey(db_constraint=False, db_index=False,
                                            on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                            to='audit.organization'),
                ),
            ],
        ),
    ]
