"""Admin access follows roles: staff exactly for superusers and people who investigate somewhere."""
from django.db import migrations
from django.db.models import Exists, OuterRef

INVESTIGATOR_ROLES = ("compliance_officer", "admin")


def derive_staff(apps, schema_editor):
    User = apps.get_model("audit", "User")
    Membership = apps.get_model("audit", "Membership")
    investigates = Exists(Membership.objects.filter(user=OuterRef("pk"), role__in=INVESTIGATOR_ROLES))
    User.objects.filter(is_superuser=False).exclude(investigates).update(is_staff=False)
    User.objects.filter(investigates).update(is_staff=True)
    User.objects.filter(is_superuser=True).update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_cheaper_ingest_writes")]
    operations = [migrations.RunPython(derive_staff, migrations.RunPython.noop)]
