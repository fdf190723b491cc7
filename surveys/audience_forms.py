"""The conditions on contacts as a person fills them in: rows of field, operator and value, and blocks about
past answers. The form only shapes the input; `audiences.condition_problems` is the one check, and its
field-named errors come back on the row and part they name."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import audiences
from .models import REPORTED_ATTRIBUTES, Audience, Contact, RecurringSend, Segment, Survey

FIELD_LABELS = {
    "language": _("Language"),
    "email": _("Email"),
    "name": _("Name"),
    "external_id": _("External id"),
    "customer_since": _("Customer since"),
    "created_at": _("Added on"),
    "tags": _("Tags"),
}
OP_LABELS = {
    "equals": _("is"),
    "not_equals": _("is not"),
    "one_of": _("is one of (comma-separated)"),
    "contains": _("contains"),
    "gt": _("is more than"),
    "gte": _("is at least"),
    "lt": _("is less than"),
    "lte": _("is at most"),
    "before": _("is before (date)"),
    "after": _("is after (date)"),
    "within_days": _("is within the last N days"),
    "older_than_days": _("is more than N days ago"),
    "has": _("has the tag"),
    "has_any": _("has any of the tags (comma-separated)"),
    "lacks": _("does not have the tag"),
}
ANSWER_OP_LABELS = {"": _("(no condition)"), "answered": _("has answered"), "not_answered": _("has not answered")}
ROW_PARTS = {"field", "op", "value"}
MAX_ROWS = audiences.MAX_CONDITIONS
#: How many of the newest contacts are read for the attribute names the field list offers.
ATTRIBUTE_SCAN = 2000


def attribute_names(extra: list[str] = ()) -> list[str]:
    """Attribute names to offer: the reported ones, those of the newest contacts, and `extra`."""
    names = set(REPORTED_ATTRIBUTES) | set(extra)
    for attributes in Contact.objects.order_by("-pk").values_list("attributes", flat=True)[:ATTRIBUTE_SCAN]:
        names.update(str(name) for name in (attributes or {}))
    return sorted(name for name in names if audiences.ATTRIBUTE_NAME.match(name))


def _count(data, key: str, default: int) -> int:
    try:
        return max(1, min(MAX_ROWS, int((data or {}).get(key, default))))
    except (TypeError, ValueError):
        return default


def _value_text(condition: dict) -> str:
    value = condition.get("value", "")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value).removesuffix(".0") if isinstance(value, float) else str(value)


def _typed(op: str, text: str):
    """The value as the conditions carry it: lists for the list operators, numbers where numbers go (a text
    that is not one stays text, and the check names it)."""
    text = text.strip()
    if op in ("one_of", "has_any"):
        return [part.strip() for part in text.split(",") if part.strip()]
    if op in audiences.NUMBER_OPS and re.fullmatch(audiences.NUMBER_TEXT, text):
        return float(text) if "." in text else int(text)
    if op in ("within_days", "older_than_days") and text.isdigit():
        return int(text)
    return text


class ConditionsForm(forms.Form):
    """Rows `c<i>_field / _op / _value` and answer blocks `a<j>_op / _days / _survey / _segment / _score_min /
    _score_max`; `rows` and `answer_rows` (hidden) say how many; the "add" buttons post one more."""

    rows = forms.IntegerField(widget=forms.HiddenInput, required=False)
    answer_rows = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, conditions: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        conditions = conditions or []
        plain = [c for c in conditions if c.get("field") != "answers"]
        answered = [c for c in conditions if c.get("field") == "answers"]
        self.row_count = _count(self.data, "rows", max(3, len(plain) + 1))
        self.answer_count = _count(self.data, "answer_rows", max(1, len(answered)))
        if self.data.get("action") == "add_row":
            self.row_count = min(MAX_ROWS, self.row_count + 1)
        if self.data.get("action") == "add_answer":
            self.answer_count = min(MAX_ROWS, self.answer_count + 1)
        self.initial.update(rows=self.row_count, answer_rows=self.answer_count)
        known = [c["field"][len(audiences.ATTRIBUTE_PREFIX) :] for c in plain if isinstance(c.get("field"), str)]
        posted = [str(self.data.get(f"c{i}_field", "")) for i in range(self.row_count)]
        known += [name[len(audiences.ATTRIBUTE_PREFIX) :] for name in posted if name.startswith("attributes.")]
        fields = [("", "—"), *FIELD_LABELS.items()] + [
            (f"{audiences.ATTRIBUTE_PREFIX}{name}", _("Attribute: %(name)s") % {"name": name})
            for name in attribute_names(known)
        ]
        for i in range(self.row_count):
            condition = plain[i] if i < len(plain) else {}
            self.fields[f"c{i}_field"] = forms.ChoiceField(label=_("Field"), choices=fields, required=False)
            self.fields[f"c{i}_attribute"] = forms.CharField(
                label=_("or another attribute"), required=False, max_length=100
            )
            self.fields[f"c{i}_op"] = forms.ChoiceField(label=_("Condition"), choices=OP_LABELS.items(), required=False)
            self.fields[f"c{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=5000)
            self.initial.update(
                {f"c{i}_field": condition.get("field", ""), f"c{i}_op": condition.get("op", "")}
                | {f"c{i}_value": _value_text(condition)}
            )
        surveys = Survey.objects.order_by("name")
        for j in range(self.answer_count):
            condition = answered[j] if j < len(answered) else {}
            self.fields[f"a{j}_op"] = forms.ChoiceField(
                label=_("Past answers"), choices=ANSWER_OP_LABELS.items(), required=False
            )
            self.fields[f"a{j}_days"] = forms.IntegerField(label=_("in the last N days"), required=False)
            self.fields[f"a{j}_survey"] = forms.ModelChoiceField(
                label=_("to the survey"), queryset=surveys, required=False, empty_label=_("any survey")
            )
            self.fields[f"a{j}_segment"] = forms.ChoiceField(
                label=_("as a"), choices=[("", _("any segment")), *Segment.choices], required=False
            )
            self.fields[f"a{j}_score_min"] = forms.IntegerField(label=_("score from"), required=False)
            self.fields[f"a{j}_score_max"] = forms.IntegerField(label=_("score to"), required=False)
            self.initial.update({f"a{j}_{part}": condition.get(part) for part in audiences.ANSWER_KEYS - {"field"}})
            self.initial[f"a{j}_op"] = condition.get("op", "")
        for name, field in self.fields.items():
            if re.fullmatch(r"a\d+_\w+", name):  # the blocks render their widgets bare (fragment_conditions.html)
                small = (
                    "form-select form-select-sm"
                    if isinstance(field, forms.ChoiceField)
                    else "form-control form-control-sm"
                )
                field.widget.attrs["class"] = small
        self._places: list[tuple[str, int]] = []

    def condition_rows(self):
        return [[self[f"c{i}_{part}"] for part in ("field", "attribute", "op", "value")] for i in range(self.row_count)]

    def answer_blocks(self):
        parts = ("op", "days", "survey", "segment", "score_min", "score_max")
        return [[self[f"a{j}_{part}"] for part in parts] for j in range(self.answer_count)]

    def conditions(self) -> list[dict]:
        """The filled rows and blocks as conditions (after is_valid); remembers where each came from."""
        data, found, self._places = self.cleaned_data, [], []
        for i in range(self.row_count):
            typed_name = (data.get(f"c{i}_attribute") or "").strip()
            field = f"{audiences.ATTRIBUTE_PREFIX}{typed_name}" if typed_name else data.get(f"c{i}_field")
            if field:
                op = data.get(f"c{i}_op") or ""
                found.append({"field": field, "op": op, "value": _typed(op, data[f"c{i}_value"])})
                self._places.append(("c", i))
        for j in range(self.answer_count):
            if data.get(f"a{j}_op"):
                condition = {"field": "answers", "op": data[f"a{j}_op"]}
                for part in ("days", "score_min", "score_max", "segment"):
                    if data.get(f"a{j}_{part}") not in (None, ""):
                        condition[part] = data[f"a{j}_{part}"]
                if data.get(f"a{j}_survey"):
                    condition["survey"] = data[f"a{j}_survey"].pk
                found.append(condition)
                self._places.append(("a", j))
        return found

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for key, reason in audiences.condition_problems(self.conditions()).items():
            self.add_error(self.field_of(key), reason)
        return data

    def field_of(self, key: str) -> str | None:
        """The form field a `conditions[k].part` problem belongs on."""
        match = re.fullmatch(r"conditions\[(\d+)\](?:\.(\w+))?", key)
        if not match or int(match[1]) >= len(self._places):
            return None
        kind, index = self._places[int(match[1])]
        part = match[2] or ("field" if kind == "c" else "op")
        if part == "field" and self.cleaned_data.get(f"c{index}_attribute"):
            part = "attribute"
        name = f"{kind}{index}_{part}"
        return name if name in self.fields else f"{kind}{index}_{'value' if kind == 'c' else 'op'}"


class SegmentForm(ConditionsForm):
    name = forms.CharField(label=_("Segment name"), max_length=100)

    field_order = ["name"]


class RecurringSendForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    timezone = forms.CharField(label=_("Time zone"), max_length=64, initial=settings.TIME_ZONE)

    class Meta:
        model = RecurringSend
        fields = ["survey", "segment", "every_days", "weekdays", "hour_from", "hour_to", "timezone", "active"]
        labels = {
            "survey": _("Survey"),
            "segment": _("Saved segment"),
            "every_days": _("Ask each contact every N days"),
            "hour_from": _("From hour"),
            "hour_to": _("Until hour"),
            "active": _("Active"),
        }
        help_texts = {
            "hour_from": _("0–23, in the time zone below."),
            "hour_to": _("1–24; invitations go out before this hour."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = Survey.objects.active().order_by("name")
        self.fields["segment"].queryset = Audience.objects.order_by("name")
        if not self.instance.pk:
            self.initial.setdefault("weekdays", [1, 2, 3])

    def _post_clean(self):  # the model's rules are checked once, by the service (recurring.schedule_problems)
        opts = self._meta
        self.instance = forms.models.construct_instance(self, self.instance, opts.fields, opts.exclude)
