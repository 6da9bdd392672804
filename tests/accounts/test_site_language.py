"""Vietnamese first: an English-language browser gets Vietnamese until the visitor picks English
with the language switch, which is remembered (language cookie)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_english_browser_gets_vietnamese_on_the_first_visit(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert page["Content-Language"] == "vi"
    assert 'lang="vi"' in page.content.decode()


def test_picking_english_is_remembered(client):
    switched = client.get(
        reverse("web:language", args=["en"]) + "?next=" + reverse("accounts:login"),
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert switched.status_code == 302 and client.cookies["openstx_language"].value == "en"
    # later requests, whatever the browser says, stay in the language picked
    for header in ("vi", "en", ""):
        page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE=header)
        assert page["Content-Language"] == "en"
    # and back to Vietnamese
    client.get(reverse("web:language", args=["vi"]))
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "vi"


def test_unknown_cookie_value_falls_back_to_vietnamese(client):
    client.cookies["openstx_language"] = "fr"
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "vi"
