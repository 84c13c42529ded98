import hashlib
import sys

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from djsite.models import Item


def info(request):
    """Where the request landed: the script's mount point, the modpy
    interpreter ("-" outside modpy) and whether Flask shares it."""
    try:
        from mod_python.apache import interpreter
    except ImportError:
        interpreter = "-"
    m = request.META
    body = "django hello\nscript_name=%s\npath_info=%s\ninterpreter=%s\napplication_group=%s\nflask_loaded=%s\n" % (
        m.get("SCRIPT_NAME"), m.get("PATH_INFO"), interpreter,
        m.get("mod_wsgi.application_group", "-"), "flask" in sys.modules)
    return HttpResponse(body, content_type="text/plain")


def page(request):
    """A template render over one sqlite query."""
    items = list(Item.objects.order_by("id"))
    return render(request, "djsite/page.html", {"items": items})


def form(request):
    """CSRF-protected: GET sets the csrftoken cookie and renders the token,
    POST adds an item and redirects to the page."""
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            return render(request, "djsite/form.html", {"error": "name is required"}, status=400)
        Item.objects.create(name=name)
        return redirect("page")
    return render(request, "djsite/form.html", {})


def go(request):
    return redirect("page")


def boom(request):
    raise RuntimeError("django boom marker")


@csrf_exempt
def upload(request):
    lines = ["title=%s" % request.POST.get("title")]
    for field in sorted(request.FILES):
        up = request.FILES[field]
        data = up.read()
        lines.append("%s: %s %d %s" % (field, up.name, len(data), hashlib.sha256(data).hexdigest()))
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
