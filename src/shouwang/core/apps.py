from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shouwang.core"
    label = "core"
    verbose_name = _("Jurisdictions, users and audit")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from shouwang.core import recordtypes  # noqa: F401  (registers record types)
        from shouwang.core.reference import seed_reference_data

        post_migrate.connect(seed_reference_data, sender=self)

        from django.contrib.auth.signals import user_logged_in

        from shouwang.core.audit import record_sign_in

        user_logged_in.connect(record_sign_in, dispatch_uid="shouwang-audit-sign-in")
