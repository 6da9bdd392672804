"""Registration for training courses, within the seats left."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openstx.core.permissions import (
    organization_ids,
)
from openstx.core.text import clean
from openstx.portal.services.notices import _mail

# --- training registration ------------------------------------------------------------------------


def seats_left(course: Any, taken: int | None = None) -> int | None:
    """Seats still free (None: no capacity limit). ``taken`` may come from an annotation."""
    if course.capacity is None:
        return None
    if taken is None:
        taken = course.attendances.count()
    return max(0, course.capacity - taken)


def registration_status(course: Any, taken: int | None = None) -> dict[str, Any]:
    """What a course page shows about registration: seats left and whether it is open."""
    left = seats_left(course, taken)
    started = bool(course.start_date and course.start_date < timezone.localdate())
    return {"seats_left": left, "started": started, "open": not started and left != 0}


def register_for_course(
    course: Any,
    *,
    name: str,
    email: str,
    phone: str = "",
    organization_name: str = "",
    user: Any = None,
) -> Any:
    """Register one attendee; refused when the course is full (the course row is locked so two
    registrations for the last seat cannot both pass) or already started."""
    from openstx.ipr.models import Attendance, TrainingCourse

    with transaction.atomic():
        locked = TrainingCourse.objects.select_for_update().get(pk=course.pk)
        if locked.start_date and locked.start_date < timezone.localdate():
            raise ValidationError(_("This course has already started; registration is closed."))
        email = clean(email).lower()
        taken = locked.attendances.count()
        if locked.capacity is not None and taken >= locked.capacity:
            raise ValidationError(
                _("This course is full (%(n)s seats). Registration is closed.")
                % {"n": locked.capacity}
            )
        if email and locked.attendances.filter(contact__icontains=email).exists():
            raise ValidationError(_("This e-mail address is already registered for the course."))
        orgs = organization_ids(user)
        org = None
        if orgs:
            from openstx.directory.models import Organization

            org = Organization.objects.filter(pk__in=orgs).order_by("pk").first()
        attendance = Attendance.objects.create(
            course=locked,
            name=name,
            organization=org,
            organization_name=organization_name or (org.name if org else ""),
            contact=" · ".join(filter(None, [email, clean(phone)])),
            attended=False,
        )
    _mail(
        [user if user is not None and getattr(user, "email", "") == email else email],
        gettext_noop("Registration confirmed: %(course)s"),
        gettext_noop(
            "Dear %(name)s,\n\nYour registration for the course %(course)s is confirmed.\n"
            "Date: %(date)s\nPlace: %(place)s\n"
        ),
        name=attendance.name,
        course=locked.title,
        date=locked.start_date.strftime("%d/%m/%Y") if locked.start_date else "—",
        place=locked.place or "—",
    )
    return attendance
