import threading

import pytest
from django.db import connection
from django.test import Client

from reviews.models import Feedback
from surveys.models import Answer
from tests.factories import SurveyFactory

from .helpers import sent_invitation


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_posts_on_one_link_give_one_answer_and_no_error():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL; CI runs this on PostgreSQL")
    invitation, token = sent_invitation(survey=SurveyFactory())
    barrier, statuses = threading.Barrier(50), []

    def answer(score):
        try:
            barrier.wait()
            statuses.append(Client().post(f"/s/{token}/", {"score": score, "comment": f"try {score}"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(n % 11,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200]  # every customer tap gets a page, none a server error
    assert Answer.objects.filter(invitation=invitation).count() == 1
    assert Feedback.objects.filter(answer__invitation=invitation).count() == 1
