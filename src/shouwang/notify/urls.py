from django.urls import path

from shouwang.notify import views

urlpatterns = [
    path("", views.inbox, name="notify-inbox"),
    path("read/", views.mark_all_read, name="notify-mark-read"),
]
