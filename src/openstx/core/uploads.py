"""The one upload check of the platform: size cap (settings.OPENSTX_MAX_UPLOAD_BYTES), type sniffed
from content with `filetype` (a .pdf that is an executable is refused), images re-encoded."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Attachment types by the extension the user gave → MIME types the content may sniff as.
ATTACHMENT_TYPES: dict[str, set[str]] = {
    "pdf": {"application/pdf"},
    "docx": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/zip",
    },
    "xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    },
    "pptx": {
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/zip",
    },
    "odt": {"application/vnd.oasis.opendocument.text", "application/zip"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "webp": {"image/webp"},
}
TEXT_EXTENSIONS = {"txt", "csv"}
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 2000
THUMB_SIZE = (360, 270)


@dataclass
class CheckedFile:
    content: ContentFile
    name: str
    mime_type: str
    size: int


def read_capped(upload) -> bytes:
    """The upload's bytes; refuses files over the limit and empty ones."""
    limit = settings.OPENSTX_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        )
    if not data:
        raise ValidationError(_("The file is empty."))
    return data


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_attachment(upload) -> CheckedFile:
    """Accept a document only when its content is of the type its name claims."""
    # browsers on Windows may send the whole path
    name = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
    data = read_capped(upload)
    ext = _extension(name)
    if ext in TEXT_EXTENSIONS:
        if b"\x00" in data[:8192]:
            raise ValidationError(_("The file's content does not match its type."))
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("Text files must be UTF-8."))
        mime = "text/csv" if ext == "csv" else "text/plain"
        return CheckedFile(ContentFile(data, name=name), name, mime, len(data))
    allowed = ATTACHMENT_TYPES.get(ext)
    if allowed is None:
        raise ValidationError(
            _("This type of file is not accepted. Accepted: %(types)s.")
            % {"types": ", ".join(sorted([*ATTACHMENT_TYPES, *TEXT_EXTENSIONS]))}
        )
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in allowed:
        raise ValidationError(_("The file's content does not match its type."))
    if ext in {"png", "jpg", "jpeg", "webp"}:
        image = reencode_image(data)
        return CheckedFile(
            image.content,
            image.name.replace("image", name.rsplit(".", 1)[0], 1),
            image.mime_type,
            image.size,
        )
    return CheckedFile(ContentFile(data, name=name), name, kind.mime, len(data))


@dataclass
class CheckedImage:
    content: ContentFile
    thumbnail: ContentFile
    name: str
    mime_type: str
    size: int
    width: int
    height: int


def _open_image(data: bytes) -> Image.Image:
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in {"image/png", "image/jpeg", "image/webp", "image/gif"}:
        raise ValidationError(_("Upload a PNG, JPEG, WebP or GIF image."))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("The image has too many pixels."))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(_("The image has too many pixels."))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(_("The image cannot be read."))
    return image


def reencode_image(data: bytes) -> CheckedImage:
    """Decode and re-encode (drops metadata and anything hidden after the pixels)."""
    image = _open_image(data)
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "P") and (
        image.mode != "P" or "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    fmt, ext, mime = ("PNG", "png", "image/png") if has_alpha else ("JPEG", "jpg", "image/jpeg")

    def encode(img: Image.Image) -> bytes:
        out = io.BytesIO()
        if fmt == "JPEG":
            img.save(out, fmt, quality=85, optimize=True)
        else:
            img.save(out, fmt, optimize=True)
        return out.getvalue()

    main = encode(image)
    thumb_img = image.copy()
    thumb_img.thumbnail(THUMB_SIZE)
    thumb = encode(thumb_img)
    return CheckedImage(
        ContentFile(main, name=f"image.{ext}"),
        ContentFile(thumb, name=f"thumb.{ext}"),
        f"image.{ext}",
        mime,
        len(main),
        image.width,
        image.height,
    )


def check_image(upload) -> CheckedImage:
    return reencode_image(read_capped(upload))
