"""Importing attendance and activity reports from spreadsheets: upload, preview, import.

Staff and admins of an organization, and stewards, import for that organization only;
every step opens the organization through get_organization_for_workspace.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from . import imports, services
from .access import get_import_upload, get_organization_for_workspace
from .models import MAX_COUNT, ActivityReport, ImportUpload

RECENT_UPLOADS = 10


class ImportFileForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"), choices=ImportUpload.Kind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(label=gettext_lazy("File (CSV or Excel .xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext_lazy("At most %(size)s and %(rows)s rows.") % {
            "size": filesizeformat(settings.IMPORT_MAX_BYTES),
            "rows": imports.grouped(settings.IMPORT_MAX_ROWS),
        }
        self.fields["file"].widget.attrs["accept"] = (
            ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading: the bytes are kept in the database until the import.
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(imports.too_large_message(upload.size))
        return upload


def _start_page(request, organization, form):
    uploads = (
        ImportUpload.objects.filter(organization=organization)
        .select_related("uploaded_by")
        .defer("content")
        .order_by("-created_at")[:RECENT_UPLOADS]
    )
    context = {
        "organization": organization,
        "form": form,
        "uploads": uploads,
        "report_columns": imports.report_column_labels(),
        "optional_report_columns": imports.REPORT_OPTIONAL,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "max_rows_shown": imports.grouped(settings.IMPORT_MAX_ROWS),
        "max_count": imports.grouped(MAX_COUNT),
        "notes_max": imports.grouped(ActivityReport._meta.get_field("notes").max_length),
    }
    return render(request, "programs/imports/start.html", context)


@login_required
@require_GET
def start(request, slug):
    organization = get_organization_for_workspace(request.user, slug)
    return _start_page(request, organization, ImportFileForm())


@login_required
@require_GET
def template(request, slug, kind, file_format):
    get_organization_for_workspace(request.user, slug)
    if kind not in ImportUpload.Kind.values or file_format not in imports.TEMPLATE_FORMATS:
        raise Http404
    response = HttpResponse(
        imports.template_file(kind, file_format), content_type=imports.TEMPLATE_FORMATS[file_format]
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"capacity-{kind}.{file_format}"
    )
    return response


@login_required
@require_POST
def upload(request, slug):
    organization = get_organization_for_workspace(request.user, slug)
    form = ImportFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _start_page(request, organization, form)
    file = form.cleaned_data["file"]
    stored = imports.import_upload_create(
        organization=organization,
        by=request.user,
        kind=form.cleaned_data["kind"],
        filename=file.name or "",
        content=file.read(),
    )
    return redirect("imports:preview", slug=organization.slug, upload_id=stored.pk)


def _preview_page(request, organization, upload):
    context = {"organization": organization, "upload": upload, "check": None, "file_error": None}
    try:
        check = imports.check_upload(upload)
    except imports.ImportFileError as error:
        context["file_error"] = error.message
    else:
        limit = imports.PREVIEW_LIMIT
        context.update(
            check=check,
            errors=check.errors[:limit],
            more_errors=max(len(check.errors) - limit, 0),
            changes=check.changes[:limit],
            more_changes=max(len(check.changes) - limit, 0),
            counts=check.counts,
        )
    context["earlier"] = imports.earlier_import_of_same_file(upload)
    return render(request, "programs/imports/preview.html", context)


@login_required
@require_GET
def preview(request, slug, upload_id):
    organization = get_organization_for_workspace(request.user, slug)
    upload = get_import_upload(organization, upload_id)
    return _preview_page(request, organization, upload)


@login_required
@require_POST
def commit(request, slug, upload_id):
    organization = get_organization_for_workspace(request.user, slug)
    upload = get_import_upload(organization, upload_id)
    try:
        check = imports.import_upload_commit(upload=upload, by=request.user)
    except imports.AlreadyImported:
        messages.info(request, _("This file was already imported."))
        return redirect("imports:preview", slug=organization.slug, upload_id=upload.pk)
    except imports.ImportFileError as error:
        messages.error(request, error.message)
        return redirect("imports:preview", slug=organization.slug, upload_id=upload.pk)
    except services.EnrollmentError as error:
        messages.error(request, _("Nothing was imported: %(reason)s") % {"reason": error.message})
        return redirect("imports:preview", slug=organization.slug, upload_id=upload.pk)
    except ValidationError as error:
        # A report refused by report_save: something changed between the check and the write.
        messages.error(request, _("Nothing was imported: %(reason)s") % {"reason": " ".join(error.messages)})
        return redirect("imports:preview", slug=organization.slug, upload_id=upload.pk)
    if not check.can_commit:
        messages.error(
            request,
            _("Nothing was imported: things changed since the preview, and some rows are no longer right."),
        )
        return redirect("imports:preview", slug=organization.slug, upload_id=upload.pk)
    changed = len(check.changes)
    messages.success(
        request,
        ngettext(
            "Imported %(name)s: %(changed)s of %(rows)s row changed something.",
            "Imported %(name)s: %(changed)s of %(rows)s rows changed something.",
            len(check.rows),
        )
        % {"name": upload.original_filename, "changed": changed, "rows": len(check.rows)},
    )
    return redirect("imports:start", slug=organization.slug)
