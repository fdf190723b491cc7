"""The reads behind the agent's screens, always scoped to the user."""

import django_filters
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import Feedback, Segment, Topic
from surveys.models import Survey, SurveyKind

from .models import OPEN_STATUSES, Case, CaseStatus
from .models.cases import overdue_condition


class QueueFilter(django_filters.FilterSet):
    """The queue's filters; they live in the URL so a view can be bookmarked and shared."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    mine = django_filters.BooleanFilter(method="only_mine", label=_("Mine"))
    unassigned = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull", label=_("Unassigned"))
    my_team = django_filters.BooleanFilter(method="only_my_team", label=_("My team"))
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label=_("Segment"))
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices, label=_("Kind"))
    survey = django_filters.ModelChoiceFilter(queryset=Survey.objects.all(), label=_("Survey"))
    topic = django_filters.ChoiceFilter(
        field_name="feedback__topics__slug", choices=lambda: Topic.objects.choices(), label=_("Topic")
    )
    churn_intent = django_filters.CharFilter(label=_("Churn intent"))
    language = django_filters.CharFilter(label=_("Language"))
    overdue = django_filters.BooleanFilter(method="only_overdue", label=_("Overdue"))

    class Meta:
        model = Case
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("segment", "kind", "survey", "topic"):
            self.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def search(self, queryset, name, value):
        value = value.strip().lower()
        return queryset.filter(search_text__contains=value) if value else queryset

    def only_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset

    def only_my_team(self, queryset, name, value):
        return queryset.filter(team__members=self.request.user) if value else queryset

    def only_overdue(self, queryset, name, value):
        overdue = overdue_condition(timezone.now())  # Case.objects.overdue(), combinable with the other filters
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


def queue_for(user, params=None, *, request=None) -> QueueFilter:
    """Open cases the user may see (unless a status filter asks otherwise), most urgent first."""
    cases = Case.objects.visible_to(user)
    if not (params and params.getlist("status")):
        cases = cases.filter(status__in=OPEN_STATUSES)
    return QueueFilter(params, queryset=cases.in_queue_order(), request=request)


def queue_page(filtered: QueueFilter, number, size: int):
    """One page of the queue, in two steps so it stays fast at any volume.

    The ids of the page come from the case table alone (the partial index on
    open cases gives them in queue order and stops after one page); then one
    query loads those rows with everything a row shows, and one their topics.
    The query count does not depend on the page size.
    """
    page = Paginator(filtered.qs.values_list("pk", flat=True), size).get_page(number)
    ids = list(page.object_list)
    rows = (
        Case.objects.filter(pk__in=ids)
        .select_related("contact", "owner", "team", "feedback", "feedback__survey")
        .prefetch_related(Prefetch("feedback__topics"))
    )
    by_id = {case.pk: case for case in rows}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


def get_case_for_user(user, pk) -> Case:
    """A case inside the user's scope, or 404: changing the id in the URL reaches nothing."""
    case = (
        Case.objects.visible_to(user)
        .select_related("contact", "owner", "team", "feedback", "feedback__survey", "root_cause")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("no such case")
    return case


def customer_history(case: Case) -> dict:
    """The customer's earlier answers (oldest first, for a small trend) and earlier cases."""
    if case.contact is None:
        return {"answers": [], "cases": []}
    answers = list(
        Feedback.objects.filter(contact=case.contact)
        .select_related("survey")
        .order_by("received_at")
        .only("pk", "score", "scale_max", "segment", "received_at", "kind", "survey__name", "comment")[:50]
    )
    earlier = (
        Case.objects.filter(contact=case.contact)
        .exclude(pk=case.pk)
        .select_related("root_cause", "feedback")
        .order_by("-opened_at")[:20]
    )
    return {"answers": answers, "cases": list(earlier)}
