"""Code lists are public reference data; staff change them (in the admin). The record of which
list version is loaded is internal."""

from __future__ import annotations

from openstx.core.permissions import PublicReadPolicy, StaffOnlyPolicy, register
from openstx.taxonomy import models

for _name in ("FieldOfScience", "TechnologyReadinessLevel", "AdministrativeUnit"):
    register(getattr(models, _name))(PublicReadPolicy)

# added by the code-list versioning of #14 (may not exist on an older checkout of the app)
if hasattr(models, "CodeListVersion"):
    register(models.CodeListVersion)(StaffOnlyPolicy)
