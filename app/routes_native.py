"""Placeholder router; filled in by the routes work."""

from fastapi import APIRouter

router = APIRouter()
