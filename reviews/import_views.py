from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from feedback_platform.textfiles import REVIEW_FILES, SpreadsheetField, encoding_field

from .exports import export
from .import_jobs import start_import
from .models import ImportJob


class ImportForm(forms.Form):
    file = SpreadsheetField(limit=REVIEW_FILES)
    platform = forms.SlugField(label=_("Platform"), help_text=_("Where the reviews come from, e.g. tmall, app-store."))
    encoding = encoding_field()


@login_required
@permission_required("reviews.import_reviews", raise_exception=True)
def imports(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = start_import(
            data=upload.read(),
            filename=upload.name,
            platform=form.cleaned_data["platform"],
            encoding=form.cleaned_data["encoding"] or "detect",
            user=request.user,
        )
        return redirect("reviews:import_job", pk=job.pk)
    jobs = ImportJob.objects.defer("data")[:20]
    return render(request, "reviews/imports.html", {"form": form, "jobs": jobs}, status=400 if form.errors else 200)


@login_required
@permission_required("reviews.import_reviews", raise_exception=True)
def import_job(request, pk):
    job = get_object_or_404(ImportJob.objects.defer("data"), pk=pk)
    template = "reviews/fragment_import_progress.html" if request.htmx else "reviews/import_job.html"
    return render(request, template, {"job": job})


@login_required
@permission_required("reviews.import_reviews", raise_exception=True)
def import_errors(request, pk):
    job = get_object_or_404(ImportJob.objects.defer("data"), pk=pk)
    return export(job.errors, ["row", "field", "reason"], name=f"import-{job.pk}-errors", file_format="csv")
