"""The contact form and training registration."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.accounts.models import User
from openstx.core.client_address import client_ip
from openstx.core.permissions import can
from openstx.portal import forms, services
from openstx.portal.views.articles import _errors

# --- contact and training ---------------------------------------------------------------------------


def contact(request: HttpRequest) -> HttpResponse:
    form = forms.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.submit_contact(
                name=d["name"],
                email=d["email"],
                phone=d["phone"],
                subject=d["subject"],
                message=d["message"],
                ip=client_ip(request),
                honeypot=d["website"],
            )
        except ValidationError as exc:
            _errors(form, exc)
            return render(
                request, "portal/contact.html", _contact_context(request, form), status=429
            )
        messages.success(request, _("Thank you. Your message was sent to the department."))
        return redirect("portal:contact")
    return render(request, "portal/contact.html", _contact_context(request, form))


def _contact_context(request: HttpRequest, form: forms.ContactForm) -> dict:
    details = services.department_contact()
    return {
        "form": form,
        "contact": details,
        "can_edit_contact": can(request.user, "change", details["object"]),
    }


def training_list(request: HttpRequest) -> HttpResponse:
    from openstx.ipr.models import TrainingCourse

    today = timezone.localdate()
    courses = list(
        TrainingCourse.objects.filter(start_date__gte=today)
        .annotate(n=Count("attendances"))
        .order_by("start_date")
    )
    for course in courses:
        # an attribute for the template, set at run time on the model instance
        course.seats_left = services.seats_left(course, taken=course.n)  # type: ignore[attr-defined]
    return render(request, "portal/training_list.html", {"courses": courses})


def training_register(request: HttpRequest, pk: int) -> HttpResponse:
    from openstx.ipr.models import TrainingCourse

    course = get_object_or_404(TrainingCourse, pk=pk)
    initial = {}
    user = request.user
    if isinstance(user, User):  # signed in (AnonymousUser otherwise)
        initial = {"name": user.display_name, "email": user.email, "phone": user.phone}
    form = forms.TrainingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.register_for_course(course, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
            status = 409
        else:
            messages.success(
                request,
                _("You are registered for %(course)s. A confirmation was e-mailed.")
                % {"course": course.title},
            )
            return redirect("portal:training-list")
    return render(
        request,
        "portal/training_register.html",
        {"course": course, "form": form, **services.registration_status(course)},
        status=status,
    )
