"""The path parameters native routes share. Opening and authorising a knowledge base is
``Services.open_kb`` / ``Services.open_data_source`` (``app/core/services.py``), the same for every surface.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

KbPath = Annotated[str, Path(description="Knowledge base name or id.", examples=["handbook"])]
DataSourcePath = Annotated[str, Path(description="Data source id.", examples=["Q3XK81PZ0B"])]
JobPath = Annotated[str, Path(description="Ingestion job id.", examples=["7HD2LQ0M5C"])]
