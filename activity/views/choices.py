"""Choices the activity filters offer: the people (and the bot) of an organization, and its blueprints."""
from audit.models import Actor

from ..selectors import blueprints_for

MAX_PEOPLE = MAX_BLUEPRINTS = 200


def people_choices(organization, actor_ids=None) -> list[tuple[str, str]]:
    """(actor id, name) with the bot first; only `actor_ids` when given (a run's participants)."""
    actors = Actor.objects.filter(organization=organization, kind__in=["user", "bot"])
    if actor_ids is not None:
        actors = actors.filter(external_id__in=actor_ids)
    actors = sorted(actors.order_by("name")[:MAX_PEOPLE], key=lambda actor: actor.kind != "bot")
    return [(actor.external_id, actor.display_name) for actor in actors]


def blueprint_choices(viewer, selected: str = "") -> list[tuple[str, str]]:
    """(blueprint id, name) by name: the most recently active ones, and the one filtered on."""
    blueprints = blueprints_for(viewer)
    choices = dict(blueprints.order_by("-last_activity_at").values_list("blueprint_id", "name")[:MAX_BLUEPRINTS])
    if selected and selected not in choices:
        choices.update(blueprints.filter(blueprint_id=selected).values_list("blueprint_id", "name"))
    return sorted(choices.items(), key=lambda choice: ((choice[1] or choice[0]).casefold(), choice[0]))
