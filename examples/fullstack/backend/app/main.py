"""Reference backend for kstack: FastAPI + SQLAlchemy + PostgreSQL."""
from typing import List

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import get_engine

app = FastAPI(title="kstack reference backend")


@app.exception_handler(OperationalError)
async def database_unavailable(request: Request, exc: OperationalError):
    return JSONResponse(status_code=503, content={"detail": "database unavailable"})


class ItemIn(BaseModel):
    name: str


class ItemOut(BaseModel):
    id: int
    name: str
    created_at: str


def _row(row) -> dict:
    return {"id": row.id, "name": row.name, "created_at": row.created_at.isoformat()}


@app.get("/health")
def health():
    """Liveness: no dependencies."""
    return {"status": "ok"}


@app.get("/ready")
def ready():
    """Readiness: the database must answer SELECT 1."""
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return JSONResponse(status_code=503, content={"status": "unavailable", "error": detail})
    return {"status": "ready"}


@app.post("/items", status_code=201, response_model=ItemOut)
def create_item(item: ItemIn):
    name = item.name.strip()
    if not name or len(name) > 200:
        raise HTTPException(status_code=422, detail="name must be 1-200 characters")
    with get_engine().begin() as conn:
        row = conn.execute(
            text("INSERT INTO items (name) VALUES (:name) RETURNING id, name, created_at"),
            {"name": name},
        ).one()
    return _row(row)


@app.get("/items", response_model=List[ItemOut])
def list_items():
    with get_engine().connect() as conn:
        rows = conn.execute(text("SELECT id, name, created_at FROM items ORDER BY id")).all()
    return [_row(r) for r in rows]
