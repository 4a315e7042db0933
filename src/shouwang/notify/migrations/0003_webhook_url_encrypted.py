"""The robots' addresses (they carry the robot's key) are stored encrypted and shown masked."""

from django.db import migrations, models


def encrypt_addresses(apps, schema_editor):  # type: ignore[no-untyped-def]
    from shouwang.core import crypto
    from shouwang.notify.models import mask_webhook_url

    Channel = apps.get_model("notify", "Channel")
    for channel in Channel.objects.exclude(webhook_url=""):
        url = channel.webhook_url.strip()
        channel.webhook_url_encrypted = crypto.encrypt(url)
        channel.webhook_url_masked = mask_webhook_url(url)
        channel.save(update_fields=["webhook_url_encrypted", "webhook_url_masked"])


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_delivery_outbox")]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="webhook_url_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="channel",
            name="webhook_url_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=300, verbose_name="webhook address"
            ),
        ),
        migrations.RunPython(encrypt_addresses, migrations.RunPython.noop),
        migrations.RemoveField(model_name="channel", name="webhook_url"),
    ]
