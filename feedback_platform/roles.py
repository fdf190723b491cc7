"""Roles: Admin, Manager and Agent are Django groups with explicit permissions.

The groups and their permissions are created by the migration
``feedback_platform/migrations/0001_roles.py``. Views check permissions, not
group names, so an admin can grant one permission to one person.
"""

from django.contrib.auth.decorators import permission_required
from django.utils.translation import pgettext_lazy

ADMIN = "Admin"
MANAGER = "Manager"
AGENT = "Agent"
# The groups' names are codes (two-factor settings and migrations use them); people read these.
ROLE_NAMES = {
    ADMIN: pgettext_lazy("role", "Admin"),
    MANAGER: pgettext_lazy("role", "Manager"),
    AGENT: pgettext_lazy("role", "Agent"),
}

# The permissions that open each part of the product.
VIEW_REPORTS = "reviews.view_reports"
WORK_CASES = "followup.view_case"
VIEW_ALL_CASES = "followup.view_all_cases"
VIEW_ACTIVITY = "feedback_platform.view_activityentry"  # admins: granted by migration 0005_activity_permission


def reports_required(view):
    """Manager pages: 403 for anyone without the reports permission."""
    return permission_required(VIEW_REPORTS, raise_exception=True)(view)


def cases_required(view):
    """Agent pages: 403 for anyone who does not work cases."""
    return permission_required(WORK_CASES, raise_exception=True)(view)


def activity_required(view):
    """Admin pages about everyone's actions: 403 for anyone without the activity permission."""
    return permission_required(VIEW_ACTIVITY, raise_exception=True)(view)


def role_name(user) -> str:
    """The highest role a user holds, for display."""
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    return next((role for role in (ADMIN, MANAGER, AGENT) if role in names), "")


def nav_context(request):
    """What the navigation may show: only the parts the user's role can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "role": ROLE_NAMES.get(role_name(user), role_name(user)),
            "reports": user.has_perm(VIEW_REPORTS),
            "queue": user.has_perm(WORK_CASES),
            "admin": user.is_staff,
        }
    }
