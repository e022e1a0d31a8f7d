"""Database helpers shared by the app and the Alembic migrations."""
import os

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

_engine = None


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise RuntimeError("DATABASE_URL is not set")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def get_engine() -> Engine:
    """Create the engine on first use so the app starts without a database."""
    global _engine
    if _engine is None:
        _engine = create_engine(database_url(), pool_pre_ping=True)
    return _engine
