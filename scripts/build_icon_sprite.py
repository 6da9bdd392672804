"""Build src/openstx/web/static/vendor/lucide/sprite.svg from an unpacked lucide-static package.

    cd /tmp && npm pack lucide-static && mkdir lucide && tar xzf lucide-static-*.tgz -C lucide
    python scripts/build_icon_sprite.py /tmp/lucide/package

Only the icons listed in openstx.web.icons.ICONS go into the sprite, each as
<symbol id="NAME" viewBox="0 0 24 24"> with Lucide's stroke attributes on the symbol.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from openstx.web.icons import ICONS  # noqa: E402

OUT = ROOT / "src/openstx/web/static/vendor/lucide/sprite.svg"
BODY = re.compile(r"<svg[^>]*>(.*)</svg>", re.S)


def main(package: str) -> None:
    pkg = Path(package)
    version = json.loads((pkg / "package.json").read_text())["version"]
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg">',
        f"<!-- Lucide icons (lucide-static {version}, ISC/MIT, see LICENSE); built by "
        "scripts/build_icon_sprite.py from openstx.web.icons.ICONS -->",
    ]
    for name in ICONS:
        text = (pkg / "icons" / f"{name}.svg").read_text()
        match = BODY.search(text)
        if not match:
            raise SystemExit(f"cannot read {name}.svg")
        inner = " ".join(line.strip() for line in match.group(1).strip().splitlines())
        parts.append(
            f'<symbol id="{name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
            f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">{inner}</symbol>'
        )
    parts.append("</svg>")
    OUT.write_text("\n".join(parts) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(ICONS)} icons, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
