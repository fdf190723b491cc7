"""The home page: a manager's tiles, an agent's queue."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from feedback_platform import roles

from ..home import home_filter, manager_home


@login_required
def home(request):
    """Who reads the reports lands on "how are we doing"; agents on their queue."""
    if not request.user.has_perm(roles.VIEW_REPORTS):
        if request.user.has_perm(roles.WORK_CASES):
            return redirect("followup:queue")
        raise PermissionDenied
    try:
        period = home_filter(request.GET)
    except ValidationError as error:
        return render(request, "followup/home.html", {"errors": error.message_dict}, status=400)
    return render(request, "followup/home.html", manager_home(request.user, period))
