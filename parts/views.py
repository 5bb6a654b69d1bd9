from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from parts.forms import ModelPartForm
from parts.models import ModelPart


@require_GET
@permission_required("parts.view_modelpart", raise_exception=True)
def part_list(request):
    return render(request, "parts/part_list.html", {"parts": ModelPart.objects.all()})


@require_GET
@permission_required("parts.view_modelpart", raise_exception=True)
def part_detail(request, pk):
    return render(request, "parts/part_detail.html", {"part": get_object_or_404(ModelPart, pk=pk)})


@require_http_methods(["GET", "POST"])
@permission_required("parts.add_modelpart", raise_exception=True)
def part_create(request):
    form = ModelPartForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        part = form.save()
        return redirect(part)
    return render(request, "parts/part_form.html", {"form": form})
