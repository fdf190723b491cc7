"""The segment rule moved to surveys.segments (the answer page needs it too); importable from here."""

from surveys.segments import DEFAULT_THRESHOLDS, segment_for  # noqa: F401
