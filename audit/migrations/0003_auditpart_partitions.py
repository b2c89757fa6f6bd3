"""Partition the audit log by month on PostgreSQL; purge checkpoints; mandatory controls.

R-I3, R-J7 (ATDG § 9(1)): log entries kept only for control go after 18 months. On PostgreSQL
``audit_auditevent`` is rebuilt as ``PARTITION BY RANGE (time)`` with plain SQL (native
declarative partitioning; no library such as django-postgres-extra: no extra dependency,
and the model stays a normal Django model; see ``audit/partitions.py``). Existing rows are
copied into monthly partitions from the oldest row's month to three months ahead, plus a
DEFAULT partition. Indexes ``audit_agency_time``, ``audit_object``, the time, seq and foreign
key indexes, the foreign keys and the append-only triggers ``audit_append_only`` /
``audit_no_truncate`` (same names as migration 0002) are recreated on the partitioned table.

``PurgedPeriod`` and ``Checkpoint`` become append-only as well (triggers refuse UPDATE,
DELETE, TRUNCATE). SQLite keeps one table and the prefix purge; Django's table rebuild for
the ``seq`` change drops SQLite triggers, so they are created again here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from audit import partitions

SQLITE_LOG = [
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_auditevent
       WHEN (SELECT COUNT(*) FROM audit_purgeflag) = 0
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
ANCHOR_TABLES = ("audit_purgedperiod", "audit_checkpoint")

PG_ANCHOR_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_anchor_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit anchors are append-only (% refused on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def _columns_and_refs(apps):
    event = apps.get_model("audit", "AuditEvent")
    agency_table = event._meta.get_field("agency").remote_field.model._meta.db_table
    officer_table = event._meta.get_field("officer").remote_field.model._meta.db_table
    return agency_table, officer_table


def _finish(cursor, agency_table, officer_table, *, partitioned):
    """Keys, indexes, foreign keys and triggers of the rebuilt audit_auditevent."""
    t = partitions.PARENT
    key = "id, time" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {t} ADD CONSTRAINT {t}_pkey PRIMARY KEY ({key})")
    cursor.execute(f"ALTER TABLE {t} ADD CONSTRAINT audit_seq_time UNIQUE (seq, time)")
    for name, cols in (
        (f"{t}_seq_idx", "seq"),
        (f"{t}_time_idx", "time"),
        (f"{t}_agency_id_idx", "agency_id"),
        (f"{t}_officer_id_idx", "officer_id"),
        ("audit_agency_time", "agency_id, time"),
        ("audit_object", "object_type, object_id"),
    ):
        cursor.execute(f"CREATE INDEX {name} ON {t} ({cols})")
    for column, target in (("agency_id", agency_table), ("officer_id", officer_table)):
        cursor.execute(
            f"ALTER TABLE {t} ADD CONSTRAINT {t}_{column}_fk FOREIGN KEY ({column}) "
            f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )
    cursor.execute(
        f"CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    )
    cursor.execute(
        f"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
    )


def _rebuild(apps, schema_editor, *, partitioned):
    agency_table, officer_table = _columns_and_refs(apps)
    t = partitions.PARENT
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(partitions.GUARD_FUNCTION)
        spec = " PARTITION BY RANGE (time)" if partitioned else ""
        cursor.execute(f"CREATE TABLE {t}_new (LIKE {t} INCLUDING DEFAULTS){spec}")
        if partitioned:
            cursor.execute(f"SELECT min(time) FROM {t}")
            oldest = cursor.fetchone()[0]
            now = timezone.now()
            month = partitions.month_start(oldest or now)
            last = partitions.add_months(partitions.month_start(now), 3)
            while month <= last:
                partitions.partition_create(cursor, month, parent=f"{t}_new")
                month = partitions.add_months(month, 1)
            partitions.default_create(cursor, parent=f"{t}_new")
        cursor.execute(f"INSERT INTO {t}_new SELECT * FROM {t}")
        # DROP fires no row or TRUNCATE trigger; the old table's triggers go with it.
        cursor.execute(f"DROP TABLE {t}")
        cursor.execute(f"ALTER TABLE {t}_new RENAME TO {t}")
        _finish(cursor, agency_table, officer_table, partitioned=partitioned)


def _anchor_triggers_pg(cursor):
    cursor.execute(PG_ANCHOR_FUNCTION)
    for table in ANCHOR_TABLES:
        cursor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_anchor_change()"
        )
        cursor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
        )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _rebuild(apps, schema_editor, partitioned=True)
        with schema_editor.connection.cursor() as cursor:
            _anchor_triggers_pg(cursor)
    elif vendor == "sqlite":
        for stmt in SQLITE_LOG:
            schema_editor.execute(stmt)
        for table in ANCHOR_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END;"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for table in ANCHOR_TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS audit_refuse_anchor_change()")
        _rebuild(apps, schema_editor, partitioned=False)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION IF EXISTS audit_refuse_truncate()")
    elif vendor == "sqlite":
        for table in ANCHOR_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_drop_drf_authtoken"),
        ("audit", "0002_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MandatoryControl",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("file", models.CharField(blank=True, default="", max_length=8)),
                ("period_from", models.DateField()),
                ("period_to", models.DateField()),
                ("done_on", models.DateField(blank=True, null=True)),
                (
                    "supervisor_username",
                    models.CharField(blank=True, default="", max_length=150),
                ),
                ("notes", models.TextField(blank=True, default="")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mandatory_controls",
                        to="agencies.agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "Pflichtkontrolle",
                "verbose_name_plural": "Pflichtkontrollen",
                "ordering": ["agency", "period_from"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("period_from__lte", models.F("period_to"))),
                        name="control_period_ordered",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PurgedPeriod",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period_from", models.DateTimeField()),
                ("period_to", models.DateTimeField()),
                ("first_seq", models.BigIntegerField()),
                ("last_seq", models.BigIntegerField(unique=True)),
                ("count", models.BigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                ("first_prev_hash", models.CharField(max_length=64)),
                (
                    "partition",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="Dropped partition; blank: prefix delete",
                        max_length=63,
                    ),
                ),
                ("purged_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "Gelöschter Protokollzeitraum",
                "verbose_name_plural": "Gelöschte Protokollzeiträume",
                "ordering": ["first_seq"],
            },
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(db_index=True),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("seq", "time"), name="audit_seq_time"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
