"""Drop DRF's authtoken table: API tokens are django-rest-knox tokens now (issue 12, part 6).

DRF kept one never-expiring token per officer, in plain text; with rest_framework.authtoken
out of INSTALLED_APPS nothing reads that table any more, and it must not linger as a store
of valid-looking credentials. Plain SQL that PostgreSQL and SQLite both understand.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_initial")]

    operations = [
        migrations.RunSQL(
            sql="DROP TABLE IF EXISTS authtoken_token",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
