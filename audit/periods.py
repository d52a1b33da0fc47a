"""The since/until period every trail and log filter shares, compared as UTC instants, and its bounds.

Every date a person or an integration gives lies between EARLIEST and LATEST (an event's `occurred_at` also
at most five minutes ahead): dates outside are refused with the field named, and no computation on a date
the application accepted can overflow.
"""
from datetime import UTC, datetime

import django_filters
from django import forms

from .filtersets import FilterSet

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
RANGE_MESSAGE = "Must be from 1970-01-01T00:00:00Z to 2100-01-01T00:00:00Z."


def within_bounds(moment):
    if moment is not None and not EARLIEST <= moment <= LATEST:
        raise forms.ValidationError(RANGE_MESSAGE)
    return moment


def in_utc(moment):
    """PostgreSQL refuses offsets beyond ±15:59 that RFC 3339 syntax allows; the instant is what matters."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise forms.ValidationError("Out of the supported range of dates.") from None


class PeriodForm(forms.Form):
    def clean_since(self):
        return within_bounds(in_utc(self.cleaned_data.get("since")))

    def clean_until(self):
        return within_bounds(in_utc(self.cleaned_data.get("until")))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since >= until:
            self.add_error("until", "Must be later than since.")
        return cleaned


class PeriodFilterSet(FilterSet):
    """`since` (inclusive) and `until` (exclusive) over `occurred_at`."""

    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte",
                                             help_text="RFC 3339; at or after it.")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt",
                                             help_text="RFC 3339; before it.")


MAX_KEY = 2**63 - 1


def cursor_position(moment, key) -> tuple:
    """A page cursor's (time, key), checked: a time zone, in UTC, within the supported dates, a whole number
    PostgreSQL can compare; ValueError otherwise, so a forged cursor is refused, never a 500."""
    if type(key) is not int and not (isinstance(key, str) and key.isascii() and key.isdigit()):
        raise ValueError("not a cursor of ours")
    instant, key = datetime.fromisoformat(str(moment).replace("Z", "+00:00")), int(key)
    if instant.tzinfo is None or not 0 <= key <= MAX_KEY:
        raise ValueError("not a cursor of ours")
    try:
        return within_bounds(in_utc(instant)), key
    except forms.ValidationError:
        raise ValueError("not a cursor of ours") from None
