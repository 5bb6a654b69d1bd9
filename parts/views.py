from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from parts import selectors, services
from parts.forms import LIVE_FIELDS, PartForm
from parts.models import MEDIA_FIELDS, ModelPart

PARTS_PER_PAGE = 25


@require_GET
@permission_required("parts.view_modelpart", raise_exception=True)
def part_list(request):
    search = request.GET.get("q", "").strip()
    model_no = request.GET.get("model", "").strip()
    archived = request.GET.get("archived") == "1"
    if archived and not request.user.has_perm("parts.change_modelpart"):
        raise PermissionDenied
    parts = selectors.part_list(search=search, model_no=model_no, archived=archived)
    page = Paginator(parts, PARTS_PER_PAGE).get_page(request.GET.get("page"))
    template_name = "parts/part_list.html"
    if request.htmx and request.htmx.target == "part-results":
        template_name += "#results"
    return render(
        request,
        template_name,
        {
            "page": page,
            "search": search,
            "model_no": model_no,
            "archived": archived,
            "model_numbers": selectors.part_model_numbers(archived=archived),
            "query": _query_without_page(request),
        },
    )


@require_GET
@permission_required("parts.view_modelpart", raise_exception=True)
def part_detail(request, pk):
    part = get_object_or_404(selectors.parts_visible(user=request.user), pk=pk)
    changes = None
    if request.user.has_perm("parts.view_partchange"):
        changes = selectors.part_changes(part=part)
    return render(request, "parts/part_detail.html", {"part": part, "changes": changes})


@require_http_methods(["GET", "POST"])
@permission_required("parts.add_modelpart", raise_exception=True)
def part_create(request):
    return _part_form(request, ModelPart())


@require_http_methods(["GET", "POST"])
@permission_required("parts.change_modelpart", raise_exception=True)
def part_edit(request, pk):
    return _part_form(request, get_object_or_404(ModelPart, pk=pk))


@require_POST
@permission_required("parts.change_modelpart", raise_exception=True)
def part_archive(request, pk):
    part = services.part_archive(part=get_object_or_404(ModelPart, pk=pk), archived_by=request.user)
    message = _("Part %(part_no)s is archived. Restore it to use it again.")
    messages.success(request, message % {"part_no": part.part_no})
    return redirect(part)


@require_POST
@permission_required("parts.change_modelpart", raise_exception=True)
def part_restore(request, pk):
    part = services.part_restore(part=get_object_or_404(ModelPart, pk=pk), restored_by=request.user)
    messages.success(request, _("Part %(part_no)s is active again.") % {"part_no": part.part_no})
    return redirect(part)


def _part_form(request, part):
    """Create (``part.pk`` is None) or edit a part; one template for page, form and field."""
    template_name = "parts/part_form.html"
    context = {"part": part}
    if request.method == "GET":
        return render(request, template_name, {**context, "form": PartForm(instance=part)})
    form = PartForm(request.POST, request.FILES, instance=part, user_id=request.user.pk)
    validate = request.POST.get("_validate")
    if validate in LIVE_FIELDS:
        # One field checked as it changes: the numbers only, no files are sent.
        form.is_valid()
        return render(request, template_name + "#field", {"field": form[validate]})
    if form.is_valid():
        try:
            part = _save(request, part, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form.discard_kept_files()
            messages.success(request, _("Part %(part_no)s is saved.") % {"part_no": part.part_no})
            if request.htmx:
                return HttpResponseClientRedirect(part.get_absolute_url())
            return redirect(part)
    context["kept"], context["choose_again"] = form.keep_checked_files()
    if request.htmx:
        template_name += "#form"
    # htmx 2 swaps only 2xx answers: an invalid form comes back with 200 and its messages.
    return render(request, template_name, {**context, "form": form})


def _save(request, part, data):
    media = {name: data.get(name) for name in MEDIA_FIELDS}
    if part.pk is None:
        return services.part_create(
            created_by=request.user, model_no=data["model_no"], part_no=data["part_no"], **media
        )
    return services.part_update(
        part=part,
        changed_by=request.user,
        model_no=data["model_no"],
        part_no=data["part_no"],
        seen_version=data.get("version") or None,
        **media,
    )


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
