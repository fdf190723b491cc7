from surveys import tokens
from surveys.models import Invitation, InvitationStatus
from tests.factories import ContactFactory, SurveyFactory


def sent_invitation(survey=None, contact=None) -> tuple[Invitation, str]:
    """An invitation as if its email went out; returns it with its raw token."""
    invitation = Invitation(
        survey=survey or SurveyFactory(), contact=contact or ContactFactory(), status=InvitationStatus.SENT
    )
    token, invitation.token_hash = tokens.new_token()
    invitation.start_clock()
    invitation.save()
    return invitation, token
