"""The staff user's own settings page: display name, signature per language, language."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Profile, profile_of
from .profiles import update_profile


def signature_field(code: str) -> str:
    return f"signature_{code.replace('-', '_')}"


class ProfileForm(forms.ModelForm):
    """The profile with one signature box per language (stored together in `signatures`)."""

    class Meta:
        model = Profile
        fields = ["display_name", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        signatures = self.instance.signatures or {}
        for code, _name in settings.LANGUAGES:
            self.fields[signature_field(code)].initial = signatures.get(code, "")

    def signatures(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(signature_field(code), "") for code, _name in settings.LANGUAGES}

    def save_through_service(self, *, user, actor=None) -> Profile:
        return update_profile(
            user=user,
            display_name=self.cleaned_data["display_name"],
            signatures=self.signatures(),
            language=self.cleaned_data["language"],
            actor=actor,
        )


# One signature box per language, declared on the class so the admin (which lists a form's fields by name) shows them.
for _code, _language in settings.LANGUAGES:
    ProfileForm.base_fields[signature_field(_code)] = ProfileForm.declared_fields[signature_field(_code)] = (
        forms.CharField(
            label=format_lazy("{} ({})", gettext_lazy("Signature"), _language),
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=gettext_lazy("The lines under your name, e.g. your role and a phone number."),
        )
    )


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=profile_of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            form.save_through_service(user=request.user)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for text in errors:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
    saved = profile_of(request.user)
    previews = [(name, saved.sign_off(code)) for code, name in settings.LANGUAGES] if saved.display_name else []
    status = 400 if form.errors else 200
    return render(request, "feedback_platform/profile.html", {"form": form, "previews": previews}, status=status)
