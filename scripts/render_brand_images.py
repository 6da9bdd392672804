"""Render the committed brand images from web/static/openstx/brand/favicon.svg with Debian's
Chromium (Playwright, never a downloaded browser): favicon-32.png, apple-touch-icon.png (180 px)
and the 1200x630 social preview og-image.png (title set in the shipped Be Vietnam Pro).

    .venv/bin/python scripts/render_brand_images.py

Run it again only when the mark or the preview's wording changes, and commit the PNGs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRAND = ROOT / "src/openstx/web/static/openstx/brand"
FONTS = ROOT / "src/openstx/web/static/vendor/be-vietnam-pro/files"
VI_RANGE = (
    "U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,U+0300-0301,"
    "U+0303-0304,U+0308-0309,U+0323,U+0329,U+1EA0-1EF9,U+20AB"
)


def font_faces() -> str:
    faces = []
    for weight in (400, 700):
        faces.append(
            f"@font-face{{font-family:BVP;font-weight:{weight};unicode-range:{VI_RANGE};"
            f"src:url({FONTS.as_uri()}/be-vietnam-pro-vietnamese-{weight}-normal.woff2)}}"
        )
        faces.append(
            f"@font-face{{font-family:BVP;font-weight:{weight};"
            f"src:url({FONTS.as_uri()}/be-vietnam-pro-latin-{weight}-normal.woff2)}}"
        )
    return "".join(faces)


OG = """<!doctype html><html><head><meta charset="utf-8"><style>{faces}
body{{margin:0;width:1200px;height:630px;font-family:BVP;background:linear-gradient(120deg,#053a2a,#0b6e4f);
color:#fff;display:flex;flex-direction:column;justify-content:center;padding:0 90px;box-sizing:border-box}}
img{{width:120px;height:120px;margin-bottom:36px}} h1{{font-size:68px;margin:0 0 18px;line-height:1.1}}
p{{font-size:34px;margin:0;color:#e3f2ec;max-width:980px;line-height:1.35}}
.tags{{margin-top:40px;font-size:26px;color:#ffbf47}}</style></head><body>
<img src="{logo}" alt=""><h1>Sàn giao dịch công nghệ</h1>
<p>Công nghệ chào bán, nhu cầu công nghệ, chuyên gia và tổ chức khoa học và công nghệ của tỉnh</p>
<div class="tags">Chào bán · Nhu cầu · Chuyên gia · Thư viện · Thống kê</div></body></html>"""
ICON = """<!doctype html><html><head><style>html,body{{margin:0;background:{bg}}}
img{{display:block;width:100vw;height:100vh}}</style></head><body><img src="{logo}"></body></html>"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    logo = (BRAND / "favicon.svg").as_uri()
    jobs = [
        (OG.format(faces=font_faces(), logo=logo), 1200, 630, "og-image.png", False),
        (ICON.format(bg="transparent", logo=logo), 32, 32, "favicon-32.png", True),
        (ICON.format(bg="#0b6e4f", logo=logo), 180, 180, "apple-touch-icon.png", False),
    ]
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for html, width, height, name, transparent in jobs:
            page = browser.new_page(viewport={"width": width, "height": height})
            source = Path(tmp) / f"{name}.html"
            source.write_text(html, encoding="utf-8")
            page.goto(source.as_uri())
            page.wait_for_timeout(300)
            page.screenshot(path=str(BRAND / name), omit_background=transparent)
            page.close()
            print(f"{name}: {width}x{height}")
        browser.close()


if __name__ == "__main__":
    main()
