"""Storage: SQLAlchemy 2 typed models, unit of work, repositories and Alembic migrations."""
