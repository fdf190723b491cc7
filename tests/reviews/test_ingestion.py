import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from feedback_platform.textfiles import UnreadableFile
from followup.models import Case, OutboxEmail, RuleFiring
from reviews import rollups, thresholds
from reviews.imports import decode, import_reviews
from reviews.models import Feedback
from surveys.models import SegmentThreshold
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV = (
    "review_id,rating,review,author,product\n"
    "1,1,快递太慢了，包装破损,王芳,SKU-1\n2,5,质量很好,李娜,SKU-2\n3,9,bad,x,SKU-3\n"
)


def api_client(client):
    client.force_login(UserFactory(role="Admin", is_staff=True))
    return client


def test_a_batch_is_stored_once_with_errors_per_item(client, django_capture_on_commit_callbacks):
    ContactFactory(email="ada@example.com")
    items = [
        {"external_id": "o-1", "kind": "nps", "score": 2, "comment": "Parcel lost", "contact_email": "ada@example.com"},
        {"external_id": "o-2", "kind": "csat", "score": 5},
        {"kind": "nps", "score": 11},
    ]
    with django_capture_on_commit_callbacks(execute=True):  # the background classification, eagerly
        response = api_client(client).post("/api/v1/feedback/", items, content_type="application/json")
    assert response.status_code == 207
    body = response.json()
    assert body["created"] == 2
    assert body["errors"] == [
        {
            "index": 2,
            "fields": {
                "external_id": "required: it makes sending or importing twice harmless",
                "score": "11 is outside 0..10",
            },
        }
    ]
    again = client.post("/api/v1/feedback/", items[:2], content_type="application/json").json()
    assert again == {"created": 0, "already_known": 2, "errors": []}
    lost = Feedback.objects.get(external_id="o-1")
    assert lost.contact.email == "ada@example.com" and lost.segment == "detractor"
    assert Case.objects.filter(feedback=lost).exists()  # announced to followup like any answer


def test_the_list_shows_labels_and_why(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_client(client).post(
            "/api/v1/feedback/",
            {"external_id": "z", "kind": "star", "score": 1, "comment": "The refund never arrived"},
            content_type="application/json",
        )
    item = client.get("/api/v1/feedback/?segment=detractor&topic=refunds").json()["results"][0]
    assert "refunds" in item["topics"] and item["sentiment_label"] == "negative"
    assert "never arrived" in item["explanation"]["sentiment"]["phrases"]


def test_a_batch_over_1000_items_is_refused(client):
    response = api_client(client).post(
        "/api/v1/feedback/", [{"external_id": i} for i in range(1001)], content_type="application/json"
    )
    assert response.status_code == 400 and "1 to 1000" in response.json()["items"][0]


def test_agents_cannot_post_feedback(client, agent):
    client.force_login(agent)
    assert client.post("/api/v1/feedback/", {}, content_type="application/json").status_code == 403


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_files_in_every_encoding(encoding):
    report = import_reviews(data=CSV.encode(encoding), filename="reviews.csv", platform="tmall", classify_now=True)
    assert report.created == 2 and report.encoding == encoding
    assert report.errors == [{"row": 4, "field": "score", "reason": "9 is outside 1..5"}]
    broken = Feedback.objects.get(external_id="tmall:1")
    assert broken.comment == "快递太慢了，包装破损" and broken.author_name == "王芳" and broken.language == "zh-hans"
    # Classified at once; a parcel that arrives slow and crushed is a delivery problem (the corpus's rule).
    assert "delivery" in set(broken.topics.values_list("slug", flat=True))


def test_a_japanese_shift_jis_file_and_a_second_import_adds_nothing():
    data = "id,評価,本文\nA,2,配送が遅すぎます\nB,5,とても親切でした\n".encode("shift_jis")
    assert decode(data)[1] == "shift_jis"
    first = import_reviews(data=data, filename="r.csv", platform="rakuten", classify_now=True)
    second = import_reviews(data=data, filename="r.csv", platform="rakuten", classify_now=True)
    assert (first.created, second.created, second.existing) == (2, 0, 2)
    assert Feedback.objects.get(external_id="rakuten:A").comment == "配送が遅すぎます"


def test_xlsx_with_a_column_mapping():
    workbook = Workbook()
    workbook.active.append(["ref", "stars", "what they said", "extra"])
    workbook.active.append(["x1", 4, "Nice quality", "ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_reviews(
        data=buffer.getvalue(),
        filename="r.xlsx",
        platform="shop",
        mapping={"external_id": "ref", "score": "stars", "comment": "what they said"},
    )
    assert report.created == 1 and report.unknown_columns == ["extra"]


def test_the_command_reports_rows_and_refuses_an_unreadable_file(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_bytes(CSV.encode("gb18030"))
    from io import StringIO

    out = StringIO()
    call_command("import_reviews", str(path), "--platform", "tmall", "--now", stdout=out)
    assert "3 rows (gb18030): 2 new" in out.getvalue() and "row 4: score" in out.getvalue()
    missing = tmp_path / "bad.csv"
    missing.write_text("name,when\nx,y\n")
    with pytest.raises(CommandError, match="No column for external_id, score"):
        call_command("import_reviews", str(missing), "--platform", "tmall")


def test_suspicious_reviews_get_no_reply_and_go_to_the_review_queue():
    data = (
        b"id,rating,review,author,account_age_days\n"
        b"s1,1,Terrible shop. Add me on WeChat to get your money back,troll1,1\n"
    )
    import_reviews(data=data, filename="r.csv", platform="shop", classify_now=True)
    review = Feedback.objects.get(external_id="shop:s1")
    assert review.is_suspicious and review.suspicion_score >= 0.5
    assert set(review.explanation["suspicion"]["reasons"]) == {"new_account", "off_platform_contact"}
    assert Case.objects.get(feedback=review).team.name == "Review queue"
    assert not OutboxEmail.objects.filter(idempotency_key__endswith=f":{review.pk}").exists()


def test_the_same_text_from_several_authors_is_suspicious():
    rows = "".join(f"d{i},1,This shop sells fake goods avoid it,author{i}\n" for i in range(3))
    import_reviews(
        data=f"id,rating,review,author\n{rows}".encode(), filename="r.csv", platform="shop", classify_now=True
    )
    assert Feedback.objects.get(external_id="shop:d2").explanation["suspicion"]["reasons"]["same_text_other_authors"]


def test_changing_thresholds_reclassifies_stored_feedback(django_capture_on_commit_callbacks):
    import_reviews(data=b"id,rating\na,3\nb,4\n", filename="r.csv", platform="shop", classify_now=True)
    rollups.refresh()
    with django_capture_on_commit_callbacks(execute=True):
        SegmentThreshold.objects.create(kind="star", scale_max=5, detractor_max=3, passive_max=4)
    assert Feedback.objects.get(external_id="shop:a").segment == "detractor"
    assert Feedback.objects.get(external_id="shop:b").segment == "passive"
    assert thresholds.current()[("star", 5)] == (3, 4)
    rollups.refresh()
    from reviews.models import FeedbackRollup

    assert FeedbackRollup.objects.get(kind="star").detractors == 1


def test_the_postgresql_fast_path_imports_once_and_classifies_in_the_background(django_capture_on_commit_callbacks):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the COPY fast path is PostgreSQL's; CI runs this on PostgreSQL")
    with django_capture_on_commit_callbacks(execute=True) as background:
        first = import_reviews(data=CSV.encode("gb18030"), filename="r.csv", platform="tmall")
    assert len(background) == 1  # one classification task for the chunk
    second = import_reviews(data=CSV.encode("gb18030"), filename="r.csv", platform="tmall")
    assert (first.created, second.created, second.existing) == (2, 0, 2)
    assert first.errors == [{"row": 4, "field": "score", "reason": "9 is outside 1..5"}]
    broken = Feedback.objects.get(external_id="tmall:1")
    assert broken.segment == "detractor"  # from the score at once
    assert broken.language == "zh-hans" and broken.classified_at  # the text, by the (eager) background task


def test_a_page_import_runs_in_the_background_with_progress_and_an_error_report(
    client, manager, agent, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews.models import ImportJob

    client.force_login(agent)
    assert client.get("/reports/imports/").status_code == 403
    client.force_login(manager)
    upload = SimpleUploadedFile("reviews.csv", CSV.encode("gb18030"))
    with django_capture_on_commit_callbacks(execute=True):  # the background task, run eagerly here
        response = client.post("/reports/imports/", {"file": upload, "platform": "tmall"})
    job = ImportJob.objects.get()
    assert response.url == f"/reports/imports/{job.pk}/"
    page = client.get(response.url).content.decode()
    assert "Done" in page and "3 of 3 rows, 1 failed" in page and "100%" in page
    report = client.get(f"/reports/imports/{job.pk}/errors.csv").content.decode("utf-8")
    assert report.startswith("\ufeffrow,field,reason") and "4,score,9 is outside 1..5" in report
    bad = client.post("/reports/imports/", {"file": SimpleUploadedFile("x.pdf", b"%PDF"), "platform": "tmall"})
    assert bad.status_code == 400 and "Upload a .csv or .xlsx file." in bad.content.decode()


def test_every_feedback_keeps_a_normalised_score(client):
    import_reviews(data=b"id,rating\nn1,4\n", filename="r.csv", platform="shop", classify_now=True)
    assert Feedback.objects.get(external_id="shop:n1").normalized_score == 0.75


def test_the_fast_path_names_every_impossible_date_and_reports_progress_slice_by_slice(monkeypatch):
    from django.db import connection

    from reviews import fastimport

    if connection.vendor != "postgresql":
        pytest.skip("the COPY fast path is PostgreSQL's; CI runs this on PostgreSQL")
    monkeypatch.setattr(fastimport, "SLICE", 2)
    dates = ["2026-02-01", "2026-02-30", "2026-13-01", "2026-02-01T25:00", "yesterday", "2024-02-29T23:59:59+09:00", ""]
    rows = "".join(f"r{i},4,Fine,{date}\n" for i, date in enumerate(dates))
    seen = []
    report = import_reviews(
        data=f"id,rating,review,date\n{rows}".encode(),
        filename="r.csv",
        platform="shop",
        progress=lambda *a: seen.append(a),
    )
    assert [(error["row"], error["field"]) for error in report.errors] == [
        (3, "received_at"),
        (4, "received_at"),
        (5, "received_at"),
        (6, "received_at"),
    ]
    assert (report.rows, report.created) == (7, 3)  # 2024 was a leap year; an empty date is "now"
    assert seen == [(2, 7, 1), (4, 7, 3), (6, 7, 4), (7, 7, 4)]  # rows done, total, failed so far


def test_a_header_without_an_id_column_is_refused_before_anything_is_stored():
    with pytest.raises(UnreadableFile, match="No column for external_id"):
        import_reviews(data=b"rating,review\n5,Great\n", filename="r.csv", platform="shop")
    assert not Feedback.objects.exists()


def test_background_classification_writes_every_label_once_and_moves_the_rollup_watermark():
    from datetime import timedelta

    from django.utils import timezone

    from reviews.ingest import classify_stored

    stored = batch_feedback(
        [
            {"external_id": "a", "score": 1, "comment": "The refund never arrived, I want to cancel my subscription!!"},
            {"external_id": "b", "score": 5, "comment": "客服很耐心，问题解决了"},
        ]
    )
    long_ago = timezone.now() - timedelta(days=3)
    Feedback.objects.update(updated_at=long_ago)
    assert classify_stored(stored) == 2
    refund, praise = Feedback.objects.order_by("external_id")
    assert (refund.language, refund.sentiment_label, refund.churn_intent) == ("en", "negative", "leaving")
    assert "refunds" in set(refund.topics.values_list("slug", flat=True))
    assert (praise.language, praise.sentiment_label) == ("zh-hans", "positive")
    assert refund.explanation["segment"] and refund.explanation["churn"]
    assert refund.classified_at and refund.updated_at > long_ago  # the rollups pick the change up
    # Announced to followup once the labels were written: the detractor's case copies the classified ones.
    case = Case.objects.get(feedback=refund)
    assert (case.segment, case.language, case.churn_intent) == ("detractor", "en", "leaving")
    assert "refund never arrived" in case.search_text
    assert not Case.objects.filter(feedback=praise).exists()
    links = sorted(Feedback.topics.through.objects.values_list("feedback_id", "topic_id"))
    assert classify_stored(stored) == 0  # a task run twice classifies nothing twice
    assert sorted(Feedback.topics.through.objects.values_list("feedback_id", "topic_id")) == links
    assert Case.objects.filter(feedback=refund).count() == 1


def batch_feedback(items):
    from reviews.batch import ingest_batch

    result = ingest_batch([{**item, "kind": "star"} for item in items], source="api", platform="", classify_now=False)
    return list(result.created)


def test_a_background_batch_reads_the_rules_and_the_webhook_endpoints_once():
    """Configuration every feedback of a batch looks at is read once for the batch (feedback_platform.batch),
    not once per feedback: the background pipeline's speed depends on it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.ingest import classify_stored

    stored = batch_feedback(
        [{"external_id": f"r{n}", "score": n % 5 + 1, "comment": "Parcel arrived late"} for n in range(6)]
    )
    with CaptureQueriesContext(connection) as queries:
        assert classify_stored(stored) == 6
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert sum('FROM "followup_rule"' in sql for sql in reads) == 1
    assert sum('FROM "integrations_webhookendpoint"' in sql for sql in reads) == 1
    assert sum('FROM "followup_rulefiring"' in sql for sql in reads) == 1  # the batch's firings, at once
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "followup_rulefiring"')]
    assert len(inserts) == 1  # and written at once when the batch ends
    assert sum('FROM "followup_priorityweight"' in sql for sql in reads) <= 1
    assert Case.objects.count() == 3 and RuleFiring.objects.count() == 6  # 1, 2, 1 of 5 stars are detractors


def test_a_task_labels_each_batch_ahead_and_never_keeps_labels_of_a_text_that_changed(monkeypatch):
    """The labels of a task's next batch are computed while the one before is written; a row whose comment was
    changed in between is labelled again from what it says now."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from reviews import ingest, tasks
    from reviews.ingest import LabelsAhead, classify_stored

    praise = "Absolutely love it, works perfectly, thank you!"
    complaint = "Broken on arrival and nobody answers. Awful."
    stored = batch_feedback([{"external_id": f"r{n}", "score": 3, "comment": praise} for n in range(5)])
    monkeypatch.setattr(tasks, "CLASSIFY_BATCH", 2)
    labelled_in, labels_of = [], ingest.labels_of  # the thread of each labelling, and how many texts it labelled

    def recorded(texts, *args):
        labelled_in.append((threading.current_thread().name.split("_")[0], len(texts)))
        return labels_of(texts, *args)

    monkeypatch.setattr(ingest, "labels_of", recorded)
    assert tasks.classify_feedback_task(stored[:3]) == 3  # batches of 2 and 1
    # Each batch labelled once, by the helper thread: the second while the first was written.
    assert labelled_in == [("labels-ahead", 2), ("labels-ahead", 1)]
    monkeypatch.undo()
    assert set(Feedback.objects.filter(pk__in=stored[:3]).values_list("sentiment_label", flat=True)) == {"positive"}

    with ThreadPoolExecutor(max_workers=1) as labeller:
        ahead = LabelsAhead.start(labeller, stored[3:])
        Feedback.objects.filter(pk=stored[4]).update(comment=complaint)  # after the read, before the lock
        assert classify_stored(stored[3:], ahead=ahead) == 2
    unchanged, changed = Feedback.objects.get(pk=stored[3]), Feedback.objects.get(pk=stored[4])
    assert (unchanged.sentiment_label, changed.sentiment_label) == ("positive", "negative")
    assert complaint.split()[0] not in str(unchanged.explanation) and "Broken" in str(changed.explanation)


def test_labels_read_ahead_are_dropped_when_the_taxonomy_changed_before_the_lock():
    """A topic an admin adds while the next batch is labelled ahead is matched in that batch all the same."""
    from concurrent.futures import ThreadPoolExecutor

    from reviews.ingest import LabelsAhead, classify_stored
    from reviews.models import Topic

    stored = batch_feedback([{"external_id": "w", "score": 3, "comment": "The lid wobbles on every cup"}])
    with ThreadPoolExecutor(max_workers=1) as labeller:
        ahead = LabelsAhead.start(labeller, stored)
        Topic.objects.create(slug="wobbly_lid", name="Wobbly lid", keywords={"en": ["wobbles"]})
        assert classify_stored(stored, ahead=ahead) == 1
    assert "wobbly_lid" in Feedback.objects.get(pk=stored[0]).topic_slugs()


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_leaves_the_table_vacuumed_for_the_classification_that_follows(monkeypatch):
    """After a big import the rows are marked visible to all (VACUUM) as well as counted (ANALYZE): the
    classification's suspicion look-ups then read their indexes alone. Inside a transaction only ANALYZE can run."""
    from django.db import connection

    from reviews import fastimport

    if connection.vendor != "postgresql":
        pytest.skip("the COPY fast path is PostgreSQL's; CI runs this on PostgreSQL")
    monkeypatch.setattr(fastimport, "ANALYZE_AFTER", 2)
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = import_reviews(data=b"id,rating,review\n1,4,Fine\n2,1,Awful\n", filename="r.csv", platform="shop")
    assert report.created == 2 and "VACUUM (ANALYZE) reviews_feedback" in statements
