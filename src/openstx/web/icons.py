"""The icons the site uses: a subset of Lucide (lucide-static, ISC; some MIT, see the LICENSE
next to the sprite), shipped as one SVG sprite, ``static/vendor/lucide/sprite.svg``.

To add an icon: put its Lucide name here, run
``python scripts/build_icon_sprite.py <unpacked lucide-static package>`` (``npm pack lucide-static``
in /tmp, untar it) and commit the new sprite. ``{% icon "name" %}`` refuses a name not listed, and
``tests/web/test_design.py`` checks every listed name is in the sprite.
"""

from __future__ import annotations

ICONS: tuple[str, ...] = (
    # navigation and site shell
    "house",
    "search",
    "menu",
    "user",
    "user-plus",
    "log-in",
    "log-out",
    "bell",
    "settings",
    "languages",
    "chevron-down",
    "arrow-right",
    "external-link",
    "rss",
    # areas
    "lightbulb",
    "target",
    "users",
    "building-2",
    "clipboard-list",
    "shield-check",
    "library",
    "chart-column",
    "newspaper",
    "calendar-days",
    "handshake",
    # actions and states
    "plus",
    "upload",
    "download",
    "funnel",
    "check",
    "x",
    "triangle-alert",
    "circle-help",
    "shield-alert",
    "server-crash",
    "compass",
    "file-text",
    "image",
    "map-pin",
    "phone",
    "mail",
    "clock",
    "megaphone",
    "award",
    # technology categories (web/data/categories.json)
    "flask-conical",
    "cpu",
    "stethoscope",
    "sprout",
    "briefcase",
    "book-open",
    "cooking-pot",
    "fish",
    "wheat",
    "package",
    "factory",
    "leaf",
    "zap",
    "microscope",
)
