"""Alembic environment: runs migrations on the connection sislink hands over."""

from alembic import context

from sislink.store import identity  # noqa: F401  (adds its tables to metadata)
from sislink.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
