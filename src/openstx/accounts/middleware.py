"""The site's language: Vietnamese first, as a Vietnamese state portal does.

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``, so an English-language
browser got English on its first visit. Here the browser's preference is ignored: a visitor sees
the site language (``LANGUAGE_CODE``, Vietnamese) until they pick another one with the language
switch, which is remembered in the language cookie (set by the switch, and at sign-in from the
user's profile)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request: HttpRequest) -> str:
    """The language the visitor picked (cookie), else the site language."""
    supported = dict(settings.LANGUAGES)
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or ""
    if code in supported:
        return code
    return settings.LANGUAGE_CODE


class SiteLanguageMiddleware(LocaleMiddleware):
    """``LocaleMiddleware`` without ``Accept-Language``: the cookie, else the site language."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
