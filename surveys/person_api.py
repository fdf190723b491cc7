"""A person's data over the API: `GET /api/v1/contacts/<id>/export/` (or `/api/v1/contacts/export/?email=`)
streams the ZIP (managers and admins); `POST /api/v1/contacts/<id>/erase/` erases the contact (admins)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_platform.activity import Actor
from feedback_platform.visibility import visible_to

from .models import Contact, normalized_email
from .person_data import contact_by_email, erase_contact
from .person_views import ERASE_PERMISSION, EXPORT_PERMISSION, zip_response


class _Has(permissions.BasePermission):
    permission = ""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(self.permission))


class CanExport(_Has):
    permission = EXPORT_PERMISSION


class CanErase(_Has):
    permission = ERASE_PERMISSION


def _contacts(request):
    return visible_to(request.user, Contact.objects.all())


class ContactExportApi(APIView):
    permission_classes = [permissions.IsAuthenticated, CanExport]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """Everything held on the contact, as a ZIP of JSON and CSV files; recorded in the activity log."""
        contact = get_object_or_404(_contacts(request), pk=pk)
        return zip_response(contact=contact, actor=Actor.from_request(request))


class EmailQuery(serializers.Serializer):
    email = serializers.CharField(
        max_length=254, error_messages={"required": "give the contact's address as ?email=, or its id in the path"}
    )


class ContactExportByEmailApi(APIView):
    permission_classes = [permissions.IsAuthenticated, CanExport]

    @extend_schema(
        operation_id="v1_contacts_export_by_email",
        parameters=[OpenApiParameter("email", str, required=True, description="the contact's address")],
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        """The same ZIP as `/api/v1/contacts/<id>/export/`, for the contact found by address (any case)."""
        given = EmailQuery(data=request.query_params)
        given.is_valid(raise_exception=True)  # a NUL or an overlong address: 400, never a database error
        contact = contact_by_email(given.validated_data["email"], _contacts(request))
        if contact is None:
            raise NotFound()
        return zip_response(contact=contact, actor=Actor.from_request(request))


class EraseInput(serializers.Serializer):
    confirm_email = serializers.CharField(help_text="the contact's address again: an erasure cannot be undone")


class ErasedOutput(serializers.Serializer):
    contact_id = serializers.IntegerField()
    rows = serializers.DictField(child=serializers.IntegerField(), help_text="rows changed, per eraser")


class ContactEraseApi(APIView):
    permission_classes = [permissions.IsAuthenticated, CanErase]

    @extend_schema(request=EraseInput, responses=ErasedOutput)
    def post(self, request, pk: int):
        """Erase the contact across every app (cannot be undone): texts redacted, scores kept detached, the
        address kept only as a hash on the suppression list."""
        contact = get_object_or_404(_contacts(request), pk=pk)
        given = EraseInput(data=request.data)
        given.is_valid(raise_exception=True)
        if normalized_email(given.validated_data["confirm_email"]) != normalized_email(contact.email):
            raise ValidationError({"confirm_email": ["this is not the contact's email: nothing was erased"]})
        counts = erase_contact(contact=contact, actor=Actor.from_request(request))
        return Response({"contact_id": pk, "rows": counts})
