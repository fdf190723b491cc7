"""The reads behind the agent's screens, always scoped to the user."""

from django.http import Http404

from .models import Case


def queue_for(user):
    """Open cases the user may see, most urgent first, with what a row shows."""
    return (
        Case.objects.visible_to(user)
        .open()
        .select_related("contact", "owner", "team", "feedback", "feedback__survey")
        .in_queue_order()
    )


def get_case_for_user(user, pk) -> Case:
    """A case inside the user's scope, or 404: changing the id in the URL reaches nothing."""
    case = Case.objects.visible_to(user).select_related("contact", "owner", "team", "feedback").filter(pk=pk).first()
    if case is None:
        raise Http404("no such case")
    return case
