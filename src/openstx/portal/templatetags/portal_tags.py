"""Portal snippets other pages may include.

``{% load portal_tags %}{% course_registration course %}`` on a training course page shows the
seats left and the link to the public registration form (or why registration is closed).
"""

from __future__ import annotations

from typing import Any

from django import template

from openstx.portal import services

register = template.Library()


@register.inclusion_tag("portal/includes/course_registration.html")
def course_registration(course: Any) -> dict[str, Any]:
    return {"course": course, **services.registration_status(course)}
