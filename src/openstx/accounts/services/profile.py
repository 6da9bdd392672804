"""The user's own profile: avatar, account type and the next steps it suggests."""

from __future__ import annotations

import io
import warnings
from typing import Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from openstx.accounts.models import Membership, User

#: Largest upload accepted for an avatar (bytes).
AVATAR_MAX_BYTES = 2 * 1024 * 1024
#: Largest width or height of an uploaded picture (pixels); checked before the pixels decode.
AVATAR_MAX_SIDE = 4000
#: Side of the stored square picture (pixels).
AVATAR_SIZE = 256
AVATAR_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}


def _read_avatar(upload: Any) -> bytes:
    size = getattr(upload, "size", None)
    too_big = _("The picture is larger than %(mb)s MB.") % {"mb": AVATAR_MAX_BYTES // (1024 * 1024)}
    if size is not None and size > AVATAR_MAX_BYTES:
        raise ValidationError(too_big, code="too_big")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(AVATAR_MAX_BYTES + 1)
    if len(data) > AVATAR_MAX_BYTES:
        raise ValidationError(too_big, code="too_big")
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def avatar_image(upload: Any) -> ContentFile:
    """Check an uploaded picture and make the stored avatar of it.

    The content must sniff and decode as a PNG, JPEG, WebP or GIF image of at most
    :data:`AVATAR_MAX_BYTES` and :data:`AVATAR_MAX_SIDE` pixels a side (the header is read before
    any pixel is decoded, so a decompression bomb is refused unopened). The result is a
    :data:`AVATAR_SIZE` px square WebP, cropped to the centre, re-encoded from the pixels only:
    no EXIF, GPS or anything hidden after the image survives.
    """
    data = _read_avatar(upload)
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in AVATAR_TYPES:
        raise ValidationError(_("Upload a PNG, JPEG, WebP or GIF picture."), code="not_image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width > AVATAR_MAX_SIDE or height > AVATAR_MAX_SIDE:
                raise ValidationError(
                    _("The picture is larger than %(n)s × %(n)s pixels.") % {"n": AVATAR_MAX_SIDE},
                    code="too_large",
                )
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(
                _("The picture is larger than %(n)s × %(n)s pixels.") % {"n": AVATAR_MAX_SIDE},
                code="too_large",
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(_("The picture cannot be read."), code="unreadable") from None
    image = ImageOps.exif_transpose(image) or image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    square = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85, method=4)
    return ContentFile(out.getvalue(), name="avatar.webp")


@transaction.atomic
def set_avatar(user: User, upload: Any) -> User:
    """Replace the user's avatar with the checked picture (:func:`avatar_image`)."""
    content = avatar_image(upload)
    old = user.avatar.name if user.avatar else ""
    user.avatar.save(content.name or "avatar.webp", content, save=False)
    user.save(update_fields=["avatar"])
    if old:
        _delete_file_on_commit(user, old)
    return user


@transaction.atomic
def remove_avatar(user: User) -> User:
    old = user.avatar.name if user.avatar else ""
    user.avatar = ""
    user.save(update_fields=["avatar"])
    if old:
        _delete_file_on_commit(user, old)
    return user


def _delete_file_on_commit(user: User, name: str) -> None:
    storage = user.avatar.storage
    transaction.on_commit(lambda: storage.delete(name))


def set_account_type(user: User, account_type: str) -> User:
    if account_type not in User.AccountType.values:
        raise ValidationError(_("Unknown account type."))
    user.account_type = account_type
    user.save(update_fields=["account_type"])
    return user


def next_steps(user: User) -> list[dict[str, str]]:
    """What the account type suggests doing next, minus what the user has already done.

    Each step: ``key``, ``title``, ``text`` and ``url`` (empty when the step is a request to the
    department rather than a page the user can open)."""
    steps: list[dict[str, str]] = []
    in_organization = Membership.objects.filter(
        user=user, status__in=[Membership.Status.APPROVED, Membership.Status.PENDING]
    ).exists()
    organised = user.account_type in (User.AccountType.BUSINESS, User.AccountType.RESEARCH)
    if organised and not in_organization:
        steps.append(
            {
                "key": "register_organization",
                "title": _("Register your organisation"),
                "text": _(
                    "Give its tax code, address and type; you become its administrator and "
                    "the department verifies it. Or ask to join it if it is already listed."
                ),
                "url": reverse("directory:organization-register"),
            }
        )
    if user.account_type == User.AccountType.RESEARCH:
        from openstx.core.permissions import can_add
        from openstx.directory.models import Expert

        expert = Expert.objects.filter(user=user).first()
        if expert is None:
            if can_add(user, Expert):
                url, text = (
                    reverse("directory:expert-create"),
                    _(
                        "List your fields, degrees and publications so that councils and "
                        "businesses can find you."
                    ),
                )
            else:
                url, text = (
                    reverse("portal:contact"),
                    _(
                        "Expert profiles are created by the department and linked to your "
                        "account: write to it with your name, organisation and fields."
                    ),
                )
            steps.append(
                {
                    "key": "expert_profile",
                    "title": _("Create your expert profile"),
                    "text": text,
                    "url": url,
                }
            )
    if user.account_type == User.AccountType.BUSINESS:
        steps.append(
            {
                "key": "post_demand",
                "title": _("Post a technology demand"),
                "text": _("Say what technology you need; brokers and matching suggest offers."),
                "url": reverse("exchange:demand-create"),
            }
        )
    return steps
