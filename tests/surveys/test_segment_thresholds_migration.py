"""The admins' segment thresholds survive their move from reviews to surveys (and back)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reviews", "0013_partial_indexes_for_bulk_imports")]
AFTER = [("reviews", "0014_segment_thresholds_moved_to_surveys")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_admins_thresholds_move_to_surveys_unchanged():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE).get_model("reviews", "SegmentThreshold")
        old.objects.create(kind="nps", scale_max=10, detractor_max=4, passive_max=6)
        old.objects.create(kind="star", scale_max=5, detractor_max=1, passive_max=3)
        new = migrate(AFTER).get_model("surveys", "SegmentThreshold")
        moved = set(new.objects.values_list("kind", "scale_max", "detractor_max", "passive_max"))
        assert moved == {("nps", 10, 4, 6), ("star", 5, 1, 3)}
        back = migrate(BEFORE).get_model("reviews", "SegmentThreshold")  # and back, for a rollback
        assert set(back.objects.values_list("kind", "scale_max", "detractor_max", "passive_max")) == moved
    finally:
        migrate(leaves)
