"""What the admin may be asked: filters, searches and orderings come from an allow-list, never from any field.

Django lets a changelist filter on any local field from the query string (`?password__startswith=pbkdf2`),
which turns a list into an oracle for hashes and secrets. Every ModelAdmin of the project inherits
`AllowListedLookups` (the admin site adds it to any admin registered without it), so a lookup is answered
only when it is one of the admin's own list filters; anything else is a 400 that does not depend on the value.
"""
from django.contrib.admin import SimpleListFilter
from django.db.models.constants import LOOKUP_SEP

# Fields that are never filtered, searched, ordered or shown, whatever an admin declares.
SENSITIVE_FIELD_NAMES = frozenset({
    "password", "key_hash", "secret", "token", "recent_failed_logins", "session_key", "session_data",
})
# The comparisons a list filter of Django's own generates for its field (choices, booleans, dates, relations).
FILTER_SUFFIXES = ("", "exact", "isnull", "in", "gte", "gt", "lt", "lte", "id__exact", "id__isnull", "pk__exact")


# The chain's hashes are public by design: anyone holding one can check the trail.
PUBLIC_HASHES = frozenset({"hash", "prev_hash", "head_hash"})


def is_sensitive(path: str) -> bool:
    return any(part in SENSITIVE_FIELD_NAMES or (part.endswith("_hash") and part not in PUBLIC_HASHES)
               for part in path.split(LOOKUP_SEP))


def allowed_lookup_keys(list_filter, date_hierarchy=None, extra=()) -> set[str]:
    """Every query-string key the declared filters (and an admin's `extra_lookups`) consume."""
    keys = set(extra)
    for item in list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            keys.add(item.parameter_name)
            continue
        path = item[0] if isinstance(item, (list, tuple)) else item
        keys.update(path if not suffix else f"{path}{LOOKUP_SEP}{suffix}" for suffix in FILTER_SUFFIXES)
    if date_hierarchy:
        keys.update(f"{date_hierarchy}{LOOKUP_SEP}{part}" for part in ("year", "month", "day"))
    return {key for key in keys if not is_sensitive(key)}


class AllowListedLookups:
    """Answers only the lookups an admin declares; search and ordering never touch a sensitive field."""

    extra_lookups: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request=None):
        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        return lookup in allowed_lookup_keys(list_filter, self.date_hierarchy, self.extra_lookups)

    def get_search_fields(self, request):
        return [name for name in super().get_search_fields(request) if not is_sensitive(name.lstrip("^=@"))]

    def get_sortable_by(self, request):
        return [name for name in super().get_sortable_by(request) if not (isinstance(name, str) and is_sensitive(name))]

    def get_list_display(self, request):
        return [name for name in super().get_list_display(request)
                if not (isinstance(name, str) and is_sensitive(name))]
