"""A bare Django view doing the least an answer needs: find the invitation by its token, insert one row."""

from django.http import HttpResponse
from django.urls import path

from surveys import tokens
from surveys.models import Answer, Invitation


def answer(request, token):
    invitation = Invitation.objects.only("survey_id", "contact_id").get(token_hash=tokens.hash_token(token))
    Answer.objects.create(
        invitation_id=invitation.pk,
        survey_id=invitation.survey_id,
        contact_id=invitation.contact_id,
        score=int(request.POST["score"]),
        comment=request.POST.get("comment", ""),
    )
    return HttpResponse("ok")


urlpatterns = [path("s/<str:token>/", answer)]
