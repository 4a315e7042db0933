from django.urls import path

from shouwang.notify import views

urlpatterns = [
    path("", views.inbox, name="notify-inbox"),
    path("read/", views.mark_all_read, name="notify-mark-read"),
    path("deliveries/", views.deliveries, name="notify-deliveries"),
    path("deliveries/<int:pk>/retry/", views.retry, name="notify-delivery-retry"),
]
