"""The HTTP edge: the FastAPI app (``app.py``), the dependencies every route takes (``deps.py``), the one
error table (``errors.py``), request limits (``limits.py``), and two independent route families:
``native/`` (``/v1``) and ``bedrock/`` (Bedrock's own wire format)."""
