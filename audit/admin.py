"""The officer's admin: every changelist, object, filter, action and autocomplete scoped to visible organizations."""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from .acting import Acting
from .admin_lookups import AllowListedLookups
from .auth import may_unlock, unlock_user
from .catalog import CATEGORIES
from .models import Actor, AuditEvent, IntegrityCheck, Membership, Organization, User
from .policies import policy_problems
from .selectors import administers, organizations_visible_to
from .services.access import record_trail_read
from .services.tenancy import add_member, change_role, remove_member, update_settings
from .views.integrity import outcome_message, start_verification
from .views.scope import activate_time_zone, record_refusal, session_window

COUNT_CAP = 10_000


def visible_organizations(request):
    if not hasattr(request, "_visible_organizations"):
        request._visible_organizations = list(organizations_visible_to(request.user))
    return request._visible_organizations


def is_investigator(request) -> bool:
    return request.user.is_active and (request.user.is_superuser or bool(visible_organizations(request)))


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows: the admin never counts a huge table on a page load."""

    @cached_property
    def count(self):
        return self.object_list.order_by()[:COUNT_CAP].count()


class ScopedAdmin(AllowListedLookups, admin.ModelAdmin):
    """Read-only by default, scoped to the organizations the person investigates, refusals recorded."""

    organization_path = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        pks = [organization.pk for organization in visible_organizations(request)]
        queryset = queryset.filter(**{f"{self.organization_path}__in": pks})
        return queryset.distinct() if "__" in self.organization_path else queryset

    def has_module_permission(self, request):
        return is_investigator(request)

    def has_view_permission(self, request, obj=None):
        allowed = is_investigator(request)
        if not allowed and getattr(request.resolver_match, "url_name", None) == "autocomplete":
            record_refusal(request, reason="the admin is open to compliance officers and admins")
        return allowed

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and is_investigator(request):
            record_refusal(request, reason=f"{self.model._meta.verbose_name} is not in this organization")
        return obj

    def _guarded(self, request, view, *args):
        """Runs an admin view; a refusal, for the role or for what this role may not do, is recorded."""
        if not is_investigator(request):
            record_refusal(request, reason="the admin is open to compliance officers and admins")
            raise PermissionDenied
        activate_time_zone(request.user)
        try:
            response = view(request, *args)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # now, while the officer's time zone is active
            return response
        except PermissionDenied:
            record_refusal(request, organization=self._organization_of(request, args),
                           reason=f"{request.method} on {self.model._meta.verbose_name} is not allowed for this role")
            raise
        except DisallowedModelAdminLookup:
            # Someone asked a question the allow-list does not answer (a hash, a secret): worth an alert.
            record_refusal(request, reason=f"a lookup on {self.model._meta.verbose_name} that is not offered")
            raise
        finally:
            timezone.deactivate()

    def _organization_of(self, request, args):
        """The organization of the object refused, so a superuser's refusal is recorded somewhere."""
        object_id = args[0] if args and isinstance(args[0], str) else None
        plain = bool(object_id) and object_id.isascii() and object_id.isdigit()  # "²".isdigit() is True too
        obj = self.get_queryset(request).filter(pk=object_id).first() if plain else None
        return obj if isinstance(obj, Organization) else getattr(obj, "organization", None)

    def changelist_view(self, request, extra_context=None):
        return self._guarded(request, super().changelist_view, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._guarded(request, super().changeform_view, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        return self._guarded(request, super().history_view, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._guarded(request, super().delete_view, object_id, extra_context)


def acting(request) -> Acting:
    return Acting.for_user(request.user, request)


class OrganizationForm(forms.ModelForm):
    """The retention policy keeps the same rules here as on its settings page (audit.policies)."""

    def clean(self):
        data = super().clean()
        values = {key: data.get(field, getattr(self.instance, field)) for key, field in (
            ("preset", "retention_preset"), ("audit_days", "retention_days"),
            ("activity_days", "activity_retention_days"), ("system_log_days", "system_log_retention_days"))}
        if None in values.values():
            return data  # a field is already in error
        problems = policy_problems(**values)
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    organization_path = "pk"
    list_display = ("name", "slug", "retention_days", "created_at")
    search_fields = ("name", "slug")
    form = OrganizationForm
    fields = ("name", "slug", "retention_preset", "retention_days", "activity_retention_days",
              "system_log_retention_days", "lockout_threshold", "lockout_window_minutes",
              "lockout_duration_minutes", "created_at")
    readonly_fields = ("slug", "created_at")
    actions = ["verify_chain"]

    def has_change_permission(self, request, obj=None):
        if not is_investigator(request):
            return False
        return obj is None or administers(request.user, obj.pk)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        update_settings(organization=obj, values=values, acting=acting(request))

    @admin.action(description="Verify the audit chain now")
    def verify_chain(self, request, queryset):
        for organization in queryset:
            level, text = outcome_message(*start_verification(organization, acting(request)))
            self.message_user(request, f"{organization}: {text}", level)


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name")
    autocomplete_fields = ("user", "organization")
    list_select_related = ("user", "organization")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "organization", "created_at") if obj else ("created_at",)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if not is_investigator(request):
            return False
        return obj is None or administers(request.user, obj.organization_id)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and is_investigator(request) and administers(request.user, obj.organization_id)

    def save_model(self, request, obj, form, change):
        if change:
            change_role(membership=Membership.objects.get(pk=obj.pk), role=obj.role, acting=acting(request))
        else:
            created = add_member(organization=obj.organization, user=obj.user, role=obj.role, acting=acting(request))
            obj.pk = created.pk

    def delete_model(self, request, obj):
        remove_member(membership=obj, acting=acting(request))


class PersonChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("email", "full_name", "time_zone", "is_active")
        field_classes = {}


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    """Django's user admin (no lookups on passwords), scoped to the officer's organizations, read-only."""

    organization_path = "memberships__organization"
    form = PersonChangeForm
    list_display = ("email", "full_name", "is_active", "is_staff", "locked_until", "time_zone")
    list_filter = ("is_active", "is_staff")
    ordering = ("email",)
    search_fields = ("email", "full_name")
    filter_horizontal = ()
    # The hash is never shown, even as Django's summary: staff is derived from roles, not ticked here.
    fieldsets = ((None, {"fields": ("email", "full_name", "time_zone")}),
                 ("Access (follows the person's roles)", {"fields": ("is_active", "is_staff", "is_superuser")}),
                 ("Sign-in", {"fields": ("last_login", "date_joined", "failed_login_count", "locked_until")}))
    add_fieldsets = ((None, {"fields": ("email", "full_name")}),)
    actions = ["unlock"]

    @admin.action(description="Unlock the selected accounts", permissions=["unlock"])
    def unlock(self, request, queryset):
        unlocked = 0
        for user in queryset:
            if not may_unlock(request.user, user):
                record_refusal(request, reason=f"unlocking user:{user.pk} needs an admin of each organization "
                                               "whose lockout policy applies to them")
                self.message_user(request, f"You cannot unlock {user}: another of their organizations has a "
                                           "stricter lockout policy; an admin there (or a superuser) can.",
                                  messages.ERROR)
                continue
            unlock_user(user=user, acting=acting(request))
            unlocked += 1
        if unlocked:
            self.message_user(request, f"Unlocked {unlocked} account(s).", messages.SUCCESS)

    def has_unlock_permission(self, request):
        return request.user.is_superuser or any(administers(request.user, o.pk) for o in visible_organizations(request))


class ActorEventsFilter(admin.SimpleListFilter):
    """Filter by one actor (by id in the URL); finding the actor is the Actors list's job, not a 10,000-item menu."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        chosen = self.value()
        actors = Actor.objects.filter(organization__in=visible_organizations(request), kind="bot") \
            if not request.user.is_superuser else Actor.objects.none()
        if chosen and chosen.isascii() and chosen.isdigit():
            actors = actors | model_admin.scoped_actors(request).filter(pk=chosen)
        return [(str(actor.pk), str(actor)) for actor in actors]

    def queryset(self, request, queryset):
        value = self.value()
        if value:
            return queryset.filter(actor_id=value) if value.isascii() and value.isdigit() else queryset.none()
        return queryset


class OrganizationFilter(admin.SimpleListFilter):
    title = "organization"
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        organizations = visible_organizations(request)
        return [(str(o.pk), o.name) for o in organizations] if len(organizations) > 1 else []

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(organization_id=value) if value and value.isascii() and value.isdigit() else queryset


class CategoryFilter(admin.SimpleListFilter):
    """Choices from the catalog: the default filter would scan the whole table for distinct values."""

    title = "category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(category, category.title()) for category in CATEGORIES]

    def queryset(self, request, queryset):
        return queryset.filter(category=self.value()) if self.value() else queryset


class OutcomeFilter(CategoryFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("success", "Success"), ("failure", "Failure")]

    def queryset(self, request, queryset):
        return queryset.filter(outcome=self.value()) if self.value() else queryset


@admin.register(Actor)
class ActorAdmin(ScopedAdmin):
    list_display = ("display_name", "kind", "external_id", "event_count", "last_seen", "links")
    list_filter = ("kind", OrganizationFilter)
    search_fields = ("^external_id", "name")
    list_select_related = ("organization",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts would count the whole table on each load
    paginator = CappedPaginator
    sortable_by = ()
    exclude = ("email",)

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("name", "pk")

    @admin.display(description="investigate")
    def links(self, actor):
        page = reverse("audit:actor-detail", args=[actor.pk]) + f"?org={actor.organization.slug}"
        events = reverse("admin:audit_auditevent_changelist") + f"?actor={actor.pk}"
        return format_html('<a href="{}">actor page</a> · <a href="{}">events</a>', page, events)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    """Read-only for everyone, superusers included: no add, change, delete or bulk delete."""

    list_display = ("seq", "occurred_at", "actor", "actor_kind", "action", "outcome", "category", "organization")
    list_filter = (OrganizationFilter, ActorEventsFilter, "actor_kind", CategoryFilter, OutcomeFilter)
    list_select_related = ("actor", "organization")
    ordering = ("-occurred_at", "-seq")
    sortable_by = ()
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts would count the whole table on each load
    paginator = CappedPaginator
    list_per_page = 50

    def scoped_actors(self, request):
        actors = Actor.objects.all()
        return actors if request.user.is_superuser else actors.filter(organization__in=visible_organizations(request))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            filters = {k: v for k, v in request.GET.items() if k != "p"}
            for organization in {event.organization for event in changelist.result_list}:
                self._record_read(request, organization, "admin:events", filters)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        event = getattr(response, "context_data", {}).get("original")
        if event is not None:
            self._record_read(request, event.organization, f"admin:event:{event.seq}", {})
        return response

    def _record_read(self, request, organization, what, filters):
        record_trail_read(organization=organization, acting=acting(request), window=session_window(request),
                          what=what, filters=filters)


@admin.register(IntegrityCheck)
class IntegrityCheckAdmin(ScopedAdmin):
    list_display = ("organization", "checked_at", "status", "verified_through_seq", "first_bad_seq", "triggered_by")
    list_filter = ("status", OrganizationFilter)
    list_select_related = ("organization",)
