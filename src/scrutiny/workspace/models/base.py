"""The declarative base every workspace table hangs off, with constraint names Alembic can rely on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class Created:
    """A creation time on every row the audit log does not already date."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SoftDeleted:
    """A record an admin can restore for a while after it is deleted (scrutiny.workspace.deleted): deleting sets
    `deleted_at`, and every ORM query of the workspace leaves such rows out (`_hide_deleted`), so no page, list,
    count or export can show one by forgetting a filter. Only `execution_options(include_deleted=True)` sees
    them: the "Recently deleted" page, restore and purge."""

    deleted_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


@event.listens_for(Session, "do_orm_execute")
def _hide_deleted(state: ORMExecuteState) -> None:
    """Every SELECT (and every relationship load it starts) gets `deleted_at IS NULL` for each SoftDeleted
    table it touches; a refresh of one row's columns is left alone, as is a query that asks for the deleted."""
    if state.is_select and not state.is_column_load and not state.execution_options.get("include_deleted", False):
        state.statement = state.statement.options(
            with_loader_criteria(SoftDeleted, lambda cls: cls.deleted_at.is_(None), include_aliases=True))
