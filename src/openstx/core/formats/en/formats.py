"""English: dd/mm/yyyy as in Vietnamese (one date format on the site), comma thousands."""

from openstx.core.formats.common import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
