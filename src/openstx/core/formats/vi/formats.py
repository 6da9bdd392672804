"""Vietnamese: dd/mm/yyyy, dot thousands separator, comma decimals."""

from openstx.core.formats.common import *  # noqa: F403

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
