"""A lookup compiled once (per thread), then run with a new value each time.

For the customer's hot path only: every tap on a score finds its link's invitation with the survey and the
contact, and there Django compiling that three-table query cost more than the database answering it. The rows
become model instances as the queryset's own iterator makes them (select_related rows attached, the backend's
converters applied), through the compiler that compiled the query; `tests/test_prepared_lookup.py` compares
both field by field. Everything else uses the ORM as usual.
"""

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)

#: Stands for the value in the compiled query's parameters.
_SLOT = "\x00prepared-lookup-value\x00"


class PreparedLookup(Generic[M]):
    def __init__(self, build: Callable[[Any], QuerySet[M]]):
        """`build(value)`: the queryset, filtered once on `value` (which each `get` replaces), no slicing."""
        self._build = build
        self._local = threading.local()  # a compiler belongs to its thread's connection

    def get(self, value: Any) -> M | None:
        """The first row's instance, or None. A query that locks must run inside a transaction, as with the ORM."""
        prepared = self._prepared()
        compiler, sql, params, model, start, end, init_list, populators = prepared
        with connections[compiler.using].cursor() as cursor:
            cursor.execute(sql, [value if param == _SLOT else param for param in params])
            rows = cursor.fetchmany(1)
        for row in compiler.results_iter([rows]):
            instance = model.from_db(compiler.using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            return instance
        return None

    def _prepared(self) -> tuple:
        prepared = getattr(self._local, "prepared", None)
        if prepared is None:
            queryset = self._build(_SLOT)
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()  # also fills compiler.select and klass_info, as ModelIterable reads them
            assert list(params).count(_SLOT) == 1, "the value must appear once in the query"
            klass_info, select = compiler.klass_info, compiler.select
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            init_list = [column[0].target.attname for column in select[start:end]]
            populators = get_related_populators(klass_info, select, compiler.using)  # type: ignore[call-arg]  # stubs: 6.0
            prepared = (compiler, sql, tuple(params), klass_info["model"], start, end, init_list, populators)
            self._local.prepared = prepared
        return prepared
