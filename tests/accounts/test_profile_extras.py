"""Account type at sign-up and the next steps it suggests, "remember me", the avatar (checked,
re-encoded, removable), the password-strength meter's assets, organisations linked from the
profile."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from openstx.accounts import services
from openstx.accounts.models import Membership, User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-mat-khau-dai!"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _png(width: int = 600, height: int = 400, **info) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG", **info)
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "TrackingSoft 1.0"  # Software
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _upload(data: bytes, name: str = "me.png", ctype: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=ctype)


# --- Account type -----------------------------------------------------------------------------


def test_signup_offers_the_three_account_types(client):
    html = client.get(reverse("accounts:signup")).content.decode()
    for value in ("individual", "business", "research"):
        assert f'name="account_type" value="{value}"' in html
    assert [c for c, _label in User.AccountType.choices] == ["individual", "business", "research"]


def _signup(client, **extra):
    data = {
        "full_name": "Lê Minh Châu",
        "email": "chau@example.vn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return client.post(reverse("accounts:signup"), data)


def test_business_signup_stores_type_and_leads_to_register_the_organisation(client):
    r = _signup(client, account_type="business")
    assert r.status_code == 302
    user = User.objects.get(email="chau@example.vn")
    assert user.account_type == User.AccountType.BUSINESS
    done = client.get(reverse("accounts:signup-done")).content.decode()
    assert 'id="signup-next"' in done
    # the first log-in after confirming lands on the registration form
    from openstx.accounts.views import AFTER_LOGIN_KEY

    assert client.session[AFTER_LOGIN_KEY] == reverse("directory:organization-register")


def test_unknown_account_type_is_refused_and_missing_means_individual(client):
    r = _signup(client, account_type="government")
    assert r.status_code == 200 and "account_type" in r.context["form"].errors
    r = _signup(client)
    assert r.status_code == 302
    assert User.objects.get(email="chau@example.vn").account_type == "individual"


def test_next_steps_follow_the_account_type(org):
    business = UserFactory(account_type=User.AccountType.BUSINESS)
    keys = [s["key"] for s in services.next_steps(business)]
    assert keys == ["register_organization", "post_demand"]
    MembershipFactory(user=business, organization=org)
    assert [s["key"] for s in services.next_steps(business)] == ["post_demand"]

    researcher = UserFactory(account_type=User.AccountType.RESEARCH)
    steps = {s["key"]: s for s in services.next_steps(researcher)}
    assert set(steps) == {"register_organization", "expert_profile"}
    # only officers create expert profiles here: the step says whom to ask, and where
    assert steps["expert_profile"]["url"] == reverse("portal:contact")

    assert services.next_steps(UserFactory()) == []  # an individual is not pushed anywhere


def test_profile_shows_next_steps_and_changes_the_type(client):
    user = UserFactory(account_type=User.AccountType.BUSINESS)
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'data-step="register_organization"' in html
    assert reverse("directory:organization-register") in html
    r = client.post(
        reverse("accounts:profile"),
        {"full_name": "A B", "phone": "", "language": "vi", "account_type": "individual"},
    )
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.account_type == "individual"


def test_profile_links_each_organisation_with_role(client, org):
    user = UserFactory()
    MembershipFactory(
        user=user, organization=org, role=Membership.Role.ADMIN, status=Membership.Status.APPROVED
    )
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert f'href="{org.get_absolute_url()}"' in html
    assert str(Membership.Role.ADMIN.label) in html or "Quản trị" in html


# --- Remember me ------------------------------------------------------------------------------


@pytest.fixture
def active_user(db):
    user = UserFactory(email="nhan@example.vn")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_login_without_remember_me_ends_with_the_browser(client, active_user):
    r = client.post(
        reverse("accounts:login"), {"username": "nhan@example.vn", "password": PASSWORD}
    )
    assert r.status_code == 302
    assert client.session.get_expire_at_browser_close() is True
    cookie = r.cookies[django_settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]


def test_login_with_remember_me_lasts_the_cookie_age(client, active_user):
    r = client.post(
        reverse("accounts:login"),
        {"username": "nhan@example.vn", "password": PASSWORD, "remember_me": "on"},
    )
    assert r.status_code == 302
    assert client.session.get_expire_at_browser_close() is False
    assert client.session.get_expiry_age() == django_settings.SESSION_COOKIE_AGE
    cookie = r.cookies[django_settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == django_settings.SESSION_COOKIE_AGE


def test_login_page_has_remember_me(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'name="remember_me"' in html and 'type="checkbox"' in html


# --- Avatar -----------------------------------------------------------------------------------


def test_avatar_is_reencoded_square_webp_without_metadata(member):
    services.set_avatar(member, _upload(_jpeg_with_exif(), "photo.jpg", "image/jpeg"))
    member.refresh_from_db()
    assert member.avatar.name.startswith("avatars/") and member.avatar.name.endswith(".webp")
    with member.avatar.open("rb") as fh:
        data = fh.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    assert image.size == (services.AVATAR_SIZE, services.AVATAR_SIZE)
    assert not image.getexif() and b"SecretCam" not in data and b"TrackingSoft" not in data


def test_avatar_refuses_what_is_not_an_image(member):
    with pytest.raises(ValidationError) as exc:
        services.set_avatar(member, _upload(b"%PDF-1.4 not a picture" * 10, "me.png"))
    assert exc.value.code == "not_image"
    with pytest.raises(ValidationError) as exc:
        services.set_avatar(member, _upload(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "me.png"))
    assert exc.value.code in {"unreadable", "not_image"}
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_refuses_files_over_2_mb(member):
    big = _png(64, 64) + b"\x00" * (services.AVATAR_MAX_BYTES + 10)
    with pytest.raises(ValidationError) as exc:
        services.set_avatar(member, _upload(big))
    assert exc.value.code == "too_big"


def test_avatar_refuses_too_many_pixels_and_decompression_bombs(member):
    with pytest.raises(ValidationError) as exc:
        services.set_avatar(member, _upload(_png(4001, 10)))
    assert exc.value.code == "too_large"
    # 60000 × 60000 claimed in a file of a few hundred bytes: refused before decoding
    bomb = _png_header_only(60000, 60000)
    assert len(bomb) < 2000
    with pytest.raises(ValidationError) as exc:
        services.set_avatar(member, _upload(bomb))
    assert exc.value.code == "too_large"


def test_avatar_upload_page_shows_it_in_header_and_profile_then_removes(
    client, member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    r = client.post(reverse("accounts:avatar-upload"), {"avatar": _upload(_png())})
    assert r.status_code == 302
    member.refresh_from_db()
    url = member.avatar.url
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'id="profile-avatar"' in html
    assert html.count(f'src="{url}"') == 2  # the header menu and the profile
    old_name = member.avatar.name
    storage = member.avatar.storage
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        r = client.post(reverse("accounts:avatar-remove"))
    assert r.status_code == 302
    member.refresh_from_db()
    assert not member.avatar
    assert not storage.exists(old_name)
    assert 'id="no-avatar"' in client.get(reverse("accounts:profile")).content.decode()


def test_avatar_upload_page_shows_the_error_and_keeps_the_old_picture(client, member):
    client.force_login(member)
    client.post(reverse("accounts:avatar-upload"), {"avatar": _upload(_png())})
    member.refresh_from_db()
    before = member.avatar.name
    r = client.post(reverse("accounts:avatar-upload"), {"avatar": _upload(b"not an image" * 20)})
    assert r.status_code == 400
    assert 'id="id_avatar_errors"' in r.content.decode()
    member.refresh_from_db()
    assert member.avatar.name == before


def test_avatar_needs_login(client):
    r = client.post(reverse("accounts:avatar-upload"), {"avatar": _upload(_png())})
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


# --- Password meter -------------------------------------------------------------------------


def test_meter_assets_are_vendored_and_served(client):
    for path in (
        "vendor/zxcvbn/zxcvbn.js",
        "vendor/zxcvbn/LICENSE.txt",
        "accounts/password-meter.js",
    ):
        assert finders.find(path), path
    html = client.get(reverse("accounts:signup")).content.decode()
    assert "vendor/zxcvbn/zxcvbn.js" in html and "accounts/password-meter.js" in html
    assert 'data-password-meter="1"' in html and 'data-meter-4="' in html
    # served by the static files app like every other asset (no CDN)
    from django.templatetags.static import static

    r = client.get(static("accounts/password-meter.js"))
    assert r.status_code == 200


def test_meter_is_advice_the_validators_decide(client):
    r = _signup(client, password1="12345678", password2="12345678")
    assert r.status_code == 200 and "password1" in r.context["form"].errors
    assert not User.objects.filter(email="chau@example.vn").exists()


def test_password_change_and_reset_pages_have_the_meter(client, member):
    client.force_login(member)
    html = client.get(reverse("accounts:password-change")).content.decode()
    assert 'data-password-meter="1"' in html and "vendor/zxcvbn/zxcvbn.js" in html
