"""Pages of the roster lifecycle: re-planning, a member's own duties, swap requests."""

from django.urls import path

from shouwang.rostering import views

urlpatterns = [
    path("rosters/<int:pk>/replan/", views.roster_replan, name="roster-replan"),
    path("my-duties/", views.my_duties, name="rostering-my-duties"),
    path("swaps/", views.swap_inbox, name="rostering-swap-inbox"),
    path("swaps/new/", views.swap_create, name="rostering-swap-create"),
    path("swaps/<int:pk>/accept/", views.swap_accept, name="rostering-swap-accept"),
    path("swaps/<int:pk>/withdraw/", views.swap_withdraw, name="rostering-swap-withdraw"),
    path("swaps/<int:pk>/decide/", views.swap_decide, name="rostering-swap-decide"),
]
