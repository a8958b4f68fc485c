"""`uvicorn main:app` from the repository root, as the original service ran."""

from videorender.app import create_app

app = create_app()
