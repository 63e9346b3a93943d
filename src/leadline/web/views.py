"""Server-rendered pages: readable without JavaScript, filters as plain GET forms."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
