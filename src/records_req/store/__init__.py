"""Storage: SQLAlchemy models, engine set-up, Alembic migrations. Nothing else touches the ORM
session directly; the tracker goes through :class:`records_req.store.db.Store`."""
