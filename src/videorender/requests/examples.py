"""The examples of the OpenAPI document, shared by the request and response models."""

from __future__ import annotations

from pydantic import JsonValue

EXAMPLE_JOB_ID = "550e8400-e29b-41d4-a716-446655440000"
EXAMPLE_METADATA: dict[str, JsonValue] = {"record_id": "rec_42", "workflow": "n8n-youtube-shorts"}
EXAMPLE_SCRIPT = "Hello world. This is a test narration. Welcome to our video."
