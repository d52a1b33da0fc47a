"""Choices the activity filters offer: the people (and the bot) of an organization, and its blueprints."""
from audit.selectors import actor_labels

from ..selectors import blueprints_for

MAX_PEOPLE = MAX_BLUEPRINTS = 200


def people_choices(organization, actor_ids=None) -> list[tuple[str, str]]:
    """(actor id, name) with the bot first; only `actor_ids` when given (a run's participants)."""
    actors = actor_labels(organization.pk, external_ids=actor_ids, kinds=["user", "bot"], limit=MAX_PEOPLE)
    return [(actor.external_id, actor.label) for actor in sorted(actors, key=lambda actor: actor.kind != "bot")]


def blueprint_choices(viewer, selected: str = "") -> list[tuple[str, str]]:
    """(blueprint id, name) by name: the most recently active ones, and the one filtered on."""
    blueprints = blueprints_for(viewer)
    choices = dict(blueprints.order_by("-last_activity_at").values_list("blueprint_id", "name")[:MAX_BLUEPRINTS])
    if selected and selected not in choices:
        choices.update(blueprints.filter(blueprint_id=selected).values_list("blueprint_id", "name"))
    return sorted(choices.items(), key=lambda choice: ((choice[1] or choice[0]).casefold(), choice[0]))
