"""Choices the activity filters offer: the people (and the bot) of an organization."""
from audit.models import Actor

MAX_PEOPLE = 200


def people_choices(organization, actor_ids=None) -> list[tuple[str, str]]:
    """(actor id, name) with the bot first; only `actor_ids` when given (a run's participants)."""
    actors = Actor.objects.filter(organization=organization, kind__in=["user", "bot"])
    if actor_ids is not None:
        actors = actors.filter(external_id__in=actor_ids)
    actors = sorted(actors.order_by("name")[:MAX_PEOPLE], key=lambda actor: actor.kind != "bot")
    return [(actor.external_id, actor.display_name) for actor in actors]
