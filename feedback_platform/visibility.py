"""Which rows a staff user may see: one rule per model, answered by the app that knows the rule.

The base declares, an app registers (as with the activity log): `followup`, which owns the teams, registers
the rules for contacts and feedback in its `AppConfig.ready`, so `surveys` and `reviews` scope their lists
without knowing what a team is. A model nobody registered a rule for is refused, never shown whole.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)
Rule = Callable[[Any, QuerySet], QuerySet]

_rules: dict[type[Model], Rule] = {}


def register(model: type[Model], rule: Rule) -> None:
    """`rule(user, queryset)` narrows a queryset of `model` to the rows the user may see."""
    _rules[model] = rule


def visible_to(user, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` the user may see."""
    rule = _rules.get(queryset.model)
    if rule is None:
        raise ImproperlyConfigured(f"No visibility rule is registered for {queryset.model.__name__}.")
    return rule(user, queryset)
