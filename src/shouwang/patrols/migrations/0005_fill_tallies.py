"""Compute the dashboard tallies (patrols.tallies) of the duties and logs already recorded."""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    from shouwang.patrols import tallies

    tallies.rebuild(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("patrols", "0004_patrollog_turnouts"),
        ("rostering", "0008_duty_tallies"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
