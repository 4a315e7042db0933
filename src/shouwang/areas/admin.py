from django.contrib import admin

from shouwang.areas.models import KeyPlace, Post, Route, Segment, Zone
from shouwang.core.admin import AuditedAdmin

for model in (Zone, KeyPlace, Segment, Route, Post):
    admin.site.register(model, AuditedAdmin)
