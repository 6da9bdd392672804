"""Who may see, download, change and moderate library documents (one Policy, core.permissions).

Access levels: ``public`` — everybody; ``members`` — any signed-in user; ``staff`` — department
officers; ``restricted`` — administrators only (and never in search results or OAI-PMH).
Documents awaiting moderation are visible to their uploader and officers only. Metadata and
files follow the same rule: whoever may not download a file does not learn it exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from openstx.core.permissions import (
    ADD,
    CHANGE,
    DELETE,
    MODERATE,
    VIEW,
    ParentPolicy,
    Policy,
    StaffOnlyPolicy,
    is_admin,
    is_authenticated,
    is_officer,
    register,
)
from openstx.library.models import (
    AccessLevel,
    BatchItem,
    Document,
    DocumentFile,
    ExtractedPage,
    Extraction,
)

DOWNLOAD = "download"


def visible_levels(user: Any) -> list[str]:
    if is_admin(user):
        return [level.value for level in AccessLevel]
    if is_officer(user):
        return [AccessLevel.PUBLIC, AccessLevel.MEMBERS, AccessLevel.STAFF]
    if is_authenticated(user):
        return [AccessLevel.PUBLIC, AccessLevel.MEMBERS]
    return [AccessLevel.PUBLIC]


@register(Document)
class DocumentPolicy(Policy):
    def scope(self, user: Any, action: str, queryset: QuerySet) -> QuerySet:
        queryset = queryset.filter(deleted_at__isnull=True)
        if action in (VIEW, DOWNLOAD):
            published = Q(status=Document.Status.PUBLISHED, access_level__in=visible_levels(user))
            if is_officer(user):
                published |= Q(status=Document.Status.PENDING)
            if is_authenticated(user):
                published |= Q(uploaded_by=user)
            return queryset.filter(published)
        if action in (CHANGE, DELETE):
            if is_officer(user):
                return queryset.exclude(access_level=AccessLevel.RESTRICTED)
            if is_authenticated(user) and action == CHANGE:
                return queryset.filter(uploaded_by=user, status=Document.Status.PENDING)
            return queryset.none()
        if action == MODERATE and is_officer(user):
            return queryset
        return queryset.none()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if obj.deleted_at is not None:
            return False
        own = is_authenticated(user) and obj.uploaded_by_id == user.pk
        if action in (VIEW, DOWNLOAD):
            if own or (is_officer(user) and obj.status == Document.Status.PENDING):
                return True
            return obj.status == Document.Status.PUBLISHED and obj.access_level in visible_levels(
                user
            )
        if action in (CHANGE, DELETE):
            if is_officer(user):
                return obj.access_level != AccessLevel.RESTRICTED
            return action == CHANGE and own and obj.status == Document.Status.PENDING
        if action == MODERATE:
            return is_officer(user)
        return False

    def can_add(self, user: Any) -> bool:
        return is_authenticated(user)

    def search_scopes(self, obj: Any) -> list[str]:
        if obj.deleted_at is not None:
            return ["restricted"]
        if obj.status == Document.Status.PUBLISHED:
            scopes = [LEVEL_SCOPES.get(obj.access_level, "restricted")]
        else:
            scopes = ["staff"]  # pending: officers moderate it
        if obj.uploaded_by_id:
            scopes.append(f"user:{obj.uploaded_by_id}")
        return scopes


#: Access level -> principal that may see a published document (``visible_levels`` in reverse)
LEVEL_SCOPES = {
    AccessLevel.PUBLIC: "public",
    AccessLevel.MEMBERS: "members",
    AccessLevel.STAFF: "staff",
    AccessLevel.RESTRICTED: "restricted",
}


@register(DocumentFile)
class DocumentFilePolicy(ParentPolicy):
    """A file is reached as its document is downloaded."""

    parent = "document"
    view_action = DOWNLOAD


# Extracted text is shared by content hash between documents of any access level, and batch
# items belong to staff-run ingestion: staff only (pages show text through the document).
for _model in (Extraction, ExtractedPage, BatchItem):
    register(_model)(StaffOnlyPolicy)


__all__ = ["ADD", "DOWNLOAD", "DocumentFilePolicy", "DocumentPolicy", "visible_levels"]
