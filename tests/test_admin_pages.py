"""Django admin pages stay fast at production volume: no <select> of every row of a big table."""

from django.contrib.admin import site

from followup.models import Case
from reviews.models import Feedback
from surveys.models import Answer, Contact, Invitation

BIG_TABLES = {Feedback, Answer, Contact, Invitation, Case}  # millions of rows in production


def test_no_admin_form_lists_every_row_of_a_big_table():
    listed = []
    for model, model_admin in site._registry.items():
        picked = {
            *model_admin.raw_id_fields,
            *model_admin.autocomplete_fields,
            *model_admin.readonly_fields,
            *(model_admin.exclude or ()),
        }
        listed += [
            f"{model.__name__}.{field.name}"
            for field in model._meta.get_fields()
            if field.is_relation
            and field.concrete
            and field.editable
            and field.related_model in BIG_TABLES
            and field.name not in picked
        ]
    assert not listed, f"admin forms that render a <select> of every row: {listed}"
