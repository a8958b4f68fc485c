"""The OpenAPI document at /docs describes every addition, with examples."""

from __future__ import annotations

from typing import Any

from videorender.app import create_app
from videorender.config import Settings


def test_openapi_documents_the_automation_features(settings: Settings) -> None:
    doc: dict[str, Any] = create_app(settings).openapi()
    paths = doc["paths"]
    for path in ("/render", "/voiceover", "/render-video"):
        headers = {p["name"] for p in paths[path]["post"]["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in headers, path
    parameters = {p["name"] for p in paths["/jobs"]["get"]["parameters"]}
    assert parameters == {"status", "limit", "cursor", "include_samples"}
    assert "409" in paths["/jobs/{job_id}/cancel"]["post"]["responses"]
    assert {"204", "409"} <= paths["/jobs/{job_id}"]["delete"]["responses"].keys()
    schemas = doc["components"]["schemas"]
    for name in ("RenderRequest", "VoiceoverRequest", "RenderVideoRequest", "JobResponse"):
        assert schemas[name]["examples"], name
    assert "metadata" in schemas["RenderRequest"]["properties"]
    job = schemas["JobResponse"]["properties"]
    assert {"progress", "stage", "timings", "duration_seconds", "metadata"} <= job.keys()
    assert schemas["JobListResponse"]["properties"].keys() == {"jobs", "next_cursor"}
