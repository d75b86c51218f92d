"""The expert pool for staff: the list and the import with its row-by-row report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.errors import DomainError
from experts.forms import ImportForm
from experts.importing import COLUMNS, experts_import
from experts.models import Expert


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("experts.manage_pool"):
        raise PermissionDenied
    experts = Expert.objects.prefetch_related("specialties").order_by("code")
    query = request.GET.get("q", "").strip()
    if query:
        experts = experts.filter(code__icontains=query) | experts.filter(name__icontains=query)
    page = Paginator(experts, 50).get_page(request.GET.get("page"))
    return render(request, "experts/pool.html", {"page": page, "q": query, "total": Expert.objects.count()})


@login_required
def pool_import(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("experts.manage_pool"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = experts_import(by=request.user, name=upload.name, data=upload.read(),
                                    valid_rows_only=form.cleaned_data["valid_rows_only"])
        except DomainError as e:
            form.add_error(None, str(e))
            report = getattr(e, "report", None)
        else:
            messages.success(request, _("Imported: %(created)s new, %(updated)s updated, %(skipped)s rows skipped.")
                             % {"created": report.created, "updated": report.updated, "skipped": len(report.bad)})
    return render(request, "experts/pool_import.html", {"form": form, "report": report, "columns": COLUMNS})
