from django.contrib import admin

from shouwang.core.admin import AuditedAdmin
from shouwang.rostering.models import DutyRule

# Rosters are not edited in the admin: their status moves only through transition_roster.
admin.site.register(DutyRule, AuditedAdmin)
