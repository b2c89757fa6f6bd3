"""Record.keys_version: existing rows get 0 (keys of the old folding), new rows the current.

``manage.py rebuild_search_keys`` (run by scripts/run.sh on every start) rewrites the keys
of every record whose version is older than ``FOLDING_VERSION``.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("verbund", "0003_search_delivery_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="keys_version",
            field=models.PositiveSmallIntegerField(db_default=0),
        ),
        migrations.AlterField(
            model_name="record",
            name="keys_version",
            field=models.PositiveSmallIntegerField(db_default=2, default=2),
        ),
    ]
