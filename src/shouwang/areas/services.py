"""Business actions on zones, key places, segments, routes and posts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shouwang.areas.forms import KeyPlaceForm, PostForm, RouteForm, SegmentForm, ZoneForm
from shouwang.areas.models import KeyPlace, Post, Route, Segment, Zone
from shouwang.core import records


def create_zone(*, actor: Any, data: Mapping[str, Any]) -> Zone:
    """Define a patrol zone and how often it must be patrolled."""
    return records.create_record(ZoneForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_zone(zone: Zone, *, actor: Any, data: Mapping[str, Any]) -> Zone:
    """Change a zone's area, villages or frequency."""
    return records.update_record(ZoneForm, zone, actor=actor, data=data)


def delete_zone(zone: Zone, *, actor: Any) -> None:
    """Remove a zone."""
    records.delete_record(zone, actor=actor)


def create_key_place(*, actor: Any, data: Mapping[str, Any]) -> KeyPlace:
    """Register a key place (and its QR checkpoint, if it has one)."""
    return records.create_record(KeyPlaceForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_key_place(place: KeyPlace, *, actor: Any, data: Mapping[str, Any]) -> KeyPlace:
    """Change a key place."""
    return records.update_record(KeyPlaceForm, place, actor=actor, data=data)


def delete_key_place(place: KeyPlace, *, actor: Any) -> None:
    """Remove a key place."""
    records.delete_record(place, actor=actor)


def create_segment(*, actor: Any, data: Mapping[str, Any]) -> Segment:
    """Define a railway or road segment between two kilometre posts."""
    return records.create_record(SegmentForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_segment(segment: Segment, *, actor: Any, data: Mapping[str, Any]) -> Segment:
    """Change a segment's chainage, chief or method."""
    return records.update_record(SegmentForm, segment, actor=actor, data=data)


def delete_segment(segment: Segment, *, actor: Any) -> None:
    """Remove a segment."""
    records.delete_record(segment, actor=actor)


def create_route(*, actor: Any, data: Mapping[str, Any]) -> Route:
    """Draw a patrol route."""
    return records.create_record(RouteForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_route(route: Route, *, actor: Any, data: Mapping[str, Any]) -> Route:
    """Change a patrol route."""
    return records.update_record(RouteForm, route, actor=actor, data=data)


def delete_route(route: Route, *, actor: Any) -> None:
    """Remove a patrol route."""
    records.delete_record(route, actor=actor)


def create_post(*, actor: Any, data: Mapping[str, Any]) -> Post:
    """Define a post (duty template) that the roster will schedule."""
    return records.create_record(PostForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_post(post: Post, *, actor: Any, data: Mapping[str, Any]) -> Post:
    """Change a post's place, time window or team."""
    return records.update_record(PostForm, post, actor=actor, data=data)


def delete_post(post: Post, *, actor: Any) -> None:
    """Remove a post."""
    records.delete_record(post, actor=actor)
