"""What the code really does with the catalog's promises. Code that summarizes, merges or deletes registers here;
the "What we record" page states only what is registered, so it cannot promise what nothing performs.

    @performs_summary(Summary.ACCESS_PATTERN, actions=("audit.viewed",), description="...")
    def summarize_closed_windows(...): ...
"""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Behaviour:
    description: str
    implementation: Callable
    actions: frozenset[str] | None = None  # None: every action of that mode or class

    def applies_to(self, action: str) -> bool:
        return self.actions is None or action in self.actions


SUMMARIES: dict[str, list[Behaviour]] = {}
RETENTION: dict[str, list[Behaviour]] = {}


def _register(registry: dict, key: str, description: str, actions) -> Callable:
    def decorator(function: Callable) -> Callable:
        frozen = frozenset(actions) if actions is not None else None
        registry.setdefault(key, []).append(Behaviour(description, function, frozen))
        return function

    return decorator


def performs_summary(mode: str, *, description: str, actions=None) -> Callable:
    """Registers the function that performs a catalog summary mode (for these actions, or every one of it)."""
    return _register(SUMMARIES, mode, description, actions)


def performs_retention(retention_class: str, *, description: str, actions=None) -> Callable:
    """Registers the function that deletes records of a catalog retention class when they expire."""
    return _register(RETENTION, retention_class, description, actions)


def summary_of(spec) -> Behaviour | None:
    return next((b for b in SUMMARIES.get(spec.summary, []) if b.applies_to(spec.action)), None) \
        if spec.summary else None


def retention_of(spec) -> Behaviour | None:
    return next((b for b in RETENTION.get(spec.retention, []) if b.applies_to(spec.action)), None)
