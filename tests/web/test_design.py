"""The design system's parts: shipped assets and licences, the icon tag and sprite, the error
pages, the home page's categories, calls to action and listing cards."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import get_template
from django.test import override_settings

from openstx.web.icons import ICONS
from tests.exchange.factories import DemandFactory, FieldFactory, OfferFactory
from tests.factories import OrganizationFactory

STATIC = Path(__file__).resolve().parents[2] / "src/openstx/web/static"


def test_webfont_icons_and_axe_ship_with_their_licences():
    fonts = STATIC / "vendor/be-vietnam-pro"
    assert "SIL Open Font License" in (fonts / "LICENSE").read_text()
    css = (fonts / "fonts.css").read_text()
    for weight in (400, 500, 600, 700):
        for subset in ("vietnamese", "latin"):
            name = f"be-vietnam-pro-{subset}-{weight}-normal.woff2"
            assert (fonts / "files" / name).stat().st_size > 1000
            assert name in css
    assert "U+1EA0-1EF9" in css  # the Vietnamese subset covers ạ…ỹ
    assert "ISC License" in (STATIC / "vendor/lucide/LICENSE").read_text()
    assert "Mozilla Public License" in (STATIC / "vendor/axe-core/LICENSE").read_text()
    assert (STATIC / "vendor/axe-core/axe.min.js").stat().st_size > 100_000


def test_every_listed_icon_is_in_the_sprite_and_every_used_icon_is_listed():
    sprite = (STATIC / "vendor/lucide/sprite.svg").read_text()
    assert set(re.findall(r'<symbol id="([a-z0-9-]+)"', sprite)) == set(ICONS)
    used = set()
    for template in (Path(__file__).resolve().parents[2] / "src/openstx").rglob("*.html"):
        used |= set(re.findall(r'{% icon "([a-z0-9-]+)"', template.read_text()))
    assert used <= set(ICONS), used - set(ICONS)


def test_icon_tag_emits_a_hidden_sprite_reference_and_refuses_unknown_names():
    html = Template('{% load openstx_web %}{% icon "search" "icon-lg" %}').render(Context())
    assert 'aria-hidden="true"' in html and 'focusable="false"' in html
    assert 'class="icon icon-lg"' in html
    assert re.search(r'<use href="/static/vendor/lucide/sprite\.svg#search">', html)
    with pytest.raises(TemplateSyntaxError):
        Template('{% load openstx_web %}{% icon "no-such-icon" %}').render(Context())


def test_500_page_renders_without_request_context_or_database():
    # Django's server_error renders 500.html with an empty context; no database access allowed
    # here (the test has no db mark, so a query would fail).
    html = get_template("500.html").render({})
    assert "500" in html
    assert 'href="/"' in html and 'action="/search/"' in html and "/portal/contact/" in html
    assert 'aria-label="Chính"' in html or 'class="site-nav"' in html  # the site's navigation
    assert "<style" not in html and " style=" not in html and "<script>" not in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_and_403_pages_have_navigation_and_a_way_onward(client, django_user_model, settings):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    for link in ('href="/"', 'action="/search/"', 'href="/portal/contact/"', 'class="site-nav"'):
        assert link in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Page not found" in client.get("/khong-co-trang-nay/").content.decode()
    template = get_template("403.html").render({"user": django_user_model()})
    assert "403" in template and "/portal/contact/" in template


@pytest.mark.django_db
def test_base_names_favicon_and_social_preview(client):
    html = client.get("/").content.decode()
    for needle in (
        'rel="icon" href="/static/openstx/brand/favicon.svg"',
        "favicon-32.png",
        'rel="apple-touch-icon"',
        'property="og:image"',
        "og-image.png",
        'name="twitter:card" content="summary_large_image"',
        "/static/vendor/be-vietnam-pro/fonts.css",
    ):
        assert needle in html, needle
    assert " style=" not in html and "<script>" not in html


@pytest.mark.django_db
def test_home_calls_to_action_categories_and_cards(client):
    from django.core.cache import cache

    from openstx.exchange.models import ListingStatus

    cache.clear()
    food = FieldFactory(code="211", name_vi="Kỹ thuật thực phẩm và đồ uống")
    fish = FieldFactory(code="405", name_vi="Thủy sản")
    org = OrganizationFactory(name="Công ty Chế biến Nông sản Tây Đô")
    OfferFactory(
        title="Máy sấy lạnh trái cây",
        status=ListingStatus.PUBLISHED,
        owner=org,
        trl=8,
        fields=[food],
    )
    OfferFactory(title="Bản nháp không công khai", status=ListingStatus.DRAFT, fields=[food])
    DemandFactory(title="Cần quy trình nuôi tôm", status=ListingStatus.PUBLISHED, fields=[fish])
    html = client.get("/").content.decode()
    assert "Đăng nhu cầu công nghệ" in html and 'href="/exchange/demands/new/"' in html
    assert "Đăng công nghệ chào bán" in html and 'href="/exchange/offers/new/"' in html
    # the food-processing sector: one published offer (the draft does not count), no demand
    assert re.search(r'href="/exchange/offers/\?field=211">1 công nghệ chào bán</a>', html)
    assert re.search(r'href="/exchange/demands/\?field=211">0 nhu cầu</a>', html)
    assert re.search(r'href="/exchange/demands/\?field=405">1 nhu cầu</a>', html)
    # a listing card with owner and TRL, an icon placeholder where there is no image
    assert "Máy sấy lạnh trái cây" in html and "Công ty Chế biến Nông sản Tây Đô" in html
    assert "TRL 8" in html and 'class="thumb empty"' in html
    assert "Bản nháp không công khai" not in html


@pytest.mark.django_db
def test_featured_offers_put_pictures_then_readiness_first():
    from django.contrib.auth.models import AnonymousUser

    from openstx.exchange.models import ListingStatus
    from openstx.web.services import home_context

    low = OfferFactory(title="Mô hình thử nghiệm", status=ListingStatus.PUBLISHED, trl=3)
    high = OfferFactory(title="Dây chuyền thương mại", status=ListingStatus.PUBLISHED, trl=9)
    context = home_context(AnonymousUser())
    assert [o.pk for o in context["featured_offers"]] == [high.pk, low.pk]
    assert {o.pk for o in context["latest_offers"]} == {high.pk, low.pk}


@pytest.mark.django_db
def test_category_counts_are_cached_until_a_public_record_changes(django_assert_max_num_queries):
    from django.core.cache import cache

    from openstx.exchange.models import ListingStatus
    from openstx.web.services import home_categories

    cache.clear()
    food = FieldFactory(code="211", name_vi="Kỹ thuật thực phẩm và đồ uống")
    OfferFactory(status=ListingStatus.PUBLISHED, fields=[food])
    first = {c.key: c.offers for c in home_categories()["sectors"]}
    assert first["sector-food"] == 1
    with django_assert_max_num_queries(3):  # the generation and the field names, no counting
        home_categories()
    OfferFactory(status=ListingStatus.PUBLISHED, fields=[food])
    assert {c.key: c.offers for c in home_categories()["sectors"]}["sector-food"] == 2
