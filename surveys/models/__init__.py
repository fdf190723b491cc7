"""The models of `surveys`, one module each: surveys, contacts (and suppression), invitations (with reminders
and answers), sends. Import them from here."""

from .contacts import (  # noqa: F401
    REPORTED_ATTRIBUTES,
    Contact,
    Suppression,
    SuppressionQuerySet,
    SuppressionReason,
    Tag,
    email_hash,
    is_suppressed,
    normalized_email,
    tag_name,
)
from .invitations import (  # noqa: F401
    ASKING,
    COMMENT_MAX_LENGTH,
    Answer,
    AnswerChannel,
    Invitation,
    InvitationQuerySet,
    InvitationStatus,
    Reminder,
    send_time_holds,
)
from .sends import (  # noqa: F401
    Audience,
    RecurringSend,
    Send,
    SendStatus,
)
from .surveys import (  # noqa: F401
    DEFAULT_SCALES,
    DEFAULT_THRESHOLDS,
    STANDARD_QUESTIONS,
    STANDARD_TEXTS,
    Segment,
    SegmentThreshold,
    Survey,
    SurveyKind,
    SurveyLogo,
    SurveyQuerySet,
    SurveyStatus,
    validate_origins,
)
