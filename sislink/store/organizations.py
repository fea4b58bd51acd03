"""Organizations: the district, charters, schools and SELPAs the hub knows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from sislink.errors import UsageError
from sislink.store.schema import organization_formats, organizations


@dataclass(frozen=True, slots=True)
class Organization:
    """A row of the organizations table."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


def _from_row(row: Sequence[object]) -> Organization:
    id_, code, name, kind, parent_id = row
    assert isinstance(id_, int)
    return Organization(id_, str(code), str(name), str(kind), parent_id)  # type: ignore[arg-type]


COLUMNS = (
    organizations.c.id,
    organizations.c.code,
    organizations.c.name,
    organizations.c.kind,
    organizations.c.parent_id,
)


def find_organization(connection: Connection, code: str) -> Organization | None:
    """Return the organization with state code ``code``, or None."""
    row = connection.execute(
        select(*COLUMNS).where(organizations.c.code == code)
    ).first()
    return None if row is None else _from_row(row)


def get_organization(
    connection: Connection, code: str, *, for_update: bool = False
) -> Organization:
    """Return the organization with code ``code``, locking its row if asked.

    Raises:
        UsageError: no organization has that code.
    """
    query = select(*COLUMNS).where(organizations.c.code == code)
    if for_update:
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise UsageError(
            f"organization {code!r} not found: add it with "
            f"`sislink org add {code} --name NAME --kind KIND`"
        )
    return _from_row(row)


def list_organizations(connection: Connection) -> list[Organization]:
    """Return every organization, ordered by code."""
    rows = connection.execute(select(*COLUMNS).order_by(organizations.c.code))
    return [_from_row(row) for row in rows]


def add_organization(
    connection: Connection,
    code: str,
    name: str,
    kind: str,
    parent_code: str | None = None,
) -> Organization:
    """Insert an organization and return it.

    Raises:
        UsageError: the code is taken or the parent does not exist.
    """
    if find_organization(connection, code) is not None:
        raise UsageError(f"organization {code!r} already exists")
    parent_id = None
    if parent_code is not None:
        parent_id = get_organization(connection, parent_code).id
    new_id = add_organization_row(connection, code, name, kind, parent_id)
    return Organization(new_id, code, name, kind, parent_id)


def district_organization(connection: Connection) -> Organization:
    """Return the one organization of kind district.

    Raises:
        UsageError: there is none, or more than one.
    """
    rows = connection.execute(
        select(*COLUMNS).where(organizations.c.kind == "district")
    ).all()
    if len(rows) != 1:
        state = "no district organization" if not rows else "several districts"
        raise UsageError(
            f"there is {state}: add the district with `sislink org add CODE "
            "--name NAME --kind district`, or name it with --org"
        )
    return _from_row(rows[0])


def register_organizations(
    connection: Connection,
    sender: Organization,
    records: Sequence[tuple[str, str, str, str | None]],
) -> list[str]:
    """Insert the organizations a submission describes that the hub lacks.

    ``records`` holds (code, name, kind, parent code). An organization that
    exists is left as it is. A missing or unknown parent becomes the sender.
    Returns the codes of all ``records``.
    """
    rows = connection.execute(select(organizations.c.code, organizations.c.id))
    known = {code: id_ for code, id_ in rows}
    for code, name, kind, parent_code in records:
        if code in known:
            continue
        parent_id = known.get(parent_code or "", sender.id)
        known[code] = add_organization_row(connection, code, name, kind, parent_id)
    return [code for code, _name, _kind, _parent in records]


def add_organization_row(
    connection: Connection, code: str, name: str, kind: str, parent_id: int | None
) -> int:
    """Insert one organization row and return its id."""
    new_id: int = connection.execute(
        insert(organizations)
        .values(
            code=code,
            name=name,
            kind=kind,
            parent_id=parent_id,
            created_at=datetime.now(UTC),
        )
        .returning(organizations.c.id)
    ).scalar_one()
    return new_id


def declared_formats(connection: Connection, organization: Organization) -> list[str]:
    """Return the formats ``organization`` declared it sends, sorted; empty if none."""
    rows = connection.execute(
        select(organization_formats.c.format)
        .where(organization_formats.c.organization_id == organization.id)
        .order_by(organization_formats.c.format)
    )
    return list(rows.scalars())


def declare_formats(
    connection: Connection, organization: Organization, formats: Sequence[str]
) -> None:
    """Replace the formats ``organization`` declared; an empty list allows any."""
    connection.execute(
        delete(organization_formats).where(
            organization_formats.c.organization_id == organization.id
        )
    )
    rows = [{"organization_id": organization.id, "format": f} for f in set(formats)]
    if rows:
        connection.execute(insert(organization_formats), rows)
