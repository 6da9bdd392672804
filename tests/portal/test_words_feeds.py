"""Pages with an Atom feed name it in their head (<link rel="alternate">), and the feed answers."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

LINK = re.compile(
    r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)" title="([^"]+)">'
)


def _head(html: str) -> str:
    return html.split("</head>", 1)[0]


@pytest.mark.parametrize(
    ("page", "feeds"),
    [
        ("/", {"/exchange/feed/", "/portal/feed/"}),
        ("/exchange/offers/", {"/exchange/feed/"}),
        ("/exchange/demands/", {"/exchange/feed/"}),
        ("/portal/", {"/portal/feed/"}),
    ],
)
def test_page_head_names_its_feed_and_the_feed_answers_atom(client, page, feeds):
    response = client.get(page)
    assert response.status_code == 200
    links = LINK.findall(_head(response.content.decode()))
    assert {href for href, _title in links} == feeds
    assert all(title.strip() for _href, title in links)
    for href in feeds:
        feed = client.get(href)
        assert feed.status_code == 200
        assert feed["Content-Type"].startswith("application/atom+xml")
        assert b'xmlns="http://www.w3.org/2005/Atom"' in feed.content and b"<feed " in feed.content


def test_feed_titles_are_translated(client):
    client.cookies["openstx_language"] = "vi"
    html = client.get("/portal/").content.decode()
    titles = {title for _href, title in LINK.findall(_head(html))}
    assert titles == {"Tin tức và thông báo"}
