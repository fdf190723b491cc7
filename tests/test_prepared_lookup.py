"""The answer page's compiled-once lookup makes the same instances as the ORM's own iterator."""

import pytest
from django.db import transaction

from feedback_platform.prepared import PreparedLookup
from surveys import tokens
from surveys.models import Invitation
from tests.factories import ContactFactory, SurveyFactory
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db(transaction=True)


def by_token(token_hash):
    return (
        Invitation.objects.select_related("survey", "contact")
        .select_for_update(of=("self",))
        .filter(token_hash=token_hash)
    )


def fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_each_lookup_finds_its_own_row_with_every_field_converted_as_the_orm_does(django_assert_num_queries):
    lookup = PreparedLookup(by_token)
    survey = SurveyFactory(translations={"ja": {"question": "おすすめしますか？"}}, review_url="https://example.com/r")
    first, first_token = sent_invitation(survey=survey, contact=ContactFactory(attributes={"plan": "pro", "seats": 12}))
    second, second_token = sent_invitation()
    with transaction.atomic():
        for invitation, token in ((first, first_token), (second, second_token), (first, first_token)):
            token_hash = tokens.hash_token(token)
            with django_assert_num_queries(1):  # the survey and the contact come with it
                found = lookup.get(token_hash)
                assert (found.survey.pk, found.contact.pk) == (invitation.survey_id, invitation.contact_id)
            expected = by_token(token_hash).get()
            assert found.pk == invitation.pk
            assert fields(found) == fields(expected)  # datetimes, JSON and all, on every backend
            assert fields(found.survey) == fields(expected.survey)
            assert fields(found.contact) == fields(expected.contact)
        assert lookup.get(tokens.hash_token("no-such-token")) is None
