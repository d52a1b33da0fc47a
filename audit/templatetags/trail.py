"""Template helpers of the investigation pages: local times with UTC on hover, JSON, and filter-keeping links."""
import json
from datetime import UTC
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import RFC3986_SUBDELIMS, urlencode
from django.utils.safestring import mark_safe

from ..people import person_label

register = template.Library()


@register.filter
def person(actor):
    """An actor as people see it (audit.people decides how an erased person is shown)."""
    return person_label(actor) if actor is not None else ""


@register.filter
def when(value):
    """The moment in the viewer's time zone, with the stored UTC value on hover and in `datetime`."""
    if not value:
        return ""
    utc = value.astimezone(UTC)
    local = timezone.localtime(value)
    return format_html('<time datetime="{}" title="{} UTC">{}</time>', utc.isoformat().replace("+00:00", "Z"),
                       utc.strftime("%Y-%m-%d %H:%M:%S"), local.strftime("%Y-%m-%d %H:%M:%S %Z"))


@register.filter
def strftime(value, fmt):
    """The moment in the viewer's time zone, formatted by strftime (English, as the pages are): the `date` filter
    looks each format character up through translation, a fifth of a list's rendering at three dates a row."""
    return timezone.localtime(value).strftime(fmt) if value else ""


@register.filter
def as_json(value):
    """Stored JSON data shown as text (the template escapes it)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@register.simple_tag
def query_with(params, **changes):
    """The current query string with some parameters replaced (None or "" removes them); keeps the filters."""
    data = {key: params.getlist(key) for key in params}
    for key, value in changes.items():
        if value in (None, ""):
            data.pop(key, None)
        else:
            data[key] = [value]
    return "?" + urlencode(data, doseq=True) if data else "?"


_SELECTED = mark_safe(" selected")  # noqa: S308 - constant text


@register.simple_tag
def options(choices, selected=None):
    """A select's <option>s for (value, label) pairs, the one equal to `selected` chosen, a blank label showing the
    value: one call for a list of hundreds of people, where a template loop cost most of a page's rendering."""
    chosen = "" if selected is None else str(selected)
    return format_html_join("", '<option value="{}"{}>{}</option>', (
        (value, _SELECTED if str(value) == chosen else "", label or value) for value, label in choices))


_PLACEHOLDER = "9081726354"  # digits, which every converter the pages use accepts
_REVERSED: dict[tuple, list[str]] = {}


@register.filter
def url_with(value, name):
    """`{% url name value %}` for each row of a list: the pattern is reversed once, and the value quoted as
    reverse() quotes it (a hundred reverse() calls were a seventh of the runs list's CPU)."""
    key = (name, get_script_prefix(), get_urlconf())
    if key not in _REVERSED:
        _REVERSED[key] = reverse(name, args=[_PLACEHOLDER]).split(_PLACEHOLDER)
    parts = _REVERSED[key]
    if len(parts) != 2:  # the placeholder's digits were in the pattern itself
        return reverse(name, args=[value])
    return parts[0] + quote(str(value), safe=RFC3986_SUBDELIMS + "/~:@") + parts[1]
