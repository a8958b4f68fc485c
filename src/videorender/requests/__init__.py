"""The request language every face speaks (the HTTP API, the studio, the MCP tools, the batch
and the CLI): request and response models, `render_request()`, a validation failure in words,
request hashing, the OpenAPI examples. It imports from `jobs/` and `pipeline/`, never from a
face.

- `fields`: limits, URL checks, a scene, caption options and the voice choice, each checked
  through the pipeline's own types (its checks, used by `bodies`, are not re-exported here).
- `bodies`: POST /render, /voiceover, /render-video and `render_request()`.
- `captioning`: POST /caption-video.
- `responses`: the job and every other response body.
- `problems`: `validation_problems` and `validation_message`.
- `hashing`: the idempotency digest and the batch's request hash.
- `examples`: values shown in the OpenAPI document.
"""

from videorender.requests.bodies import (
    RenderRequest,
    RenderVideoRequest,
    VoiceoverRequest,
    render_request,
)
from videorender.requests.captioning import CaptionVideoRequest
from videorender.requests.examples import (
    EXAMPLE_JOB_ID,
    EXAMPLE_METADATA,
    EXAMPLE_SCRIPT,
)
from videorender.requests.fields import (
    LOCAL_FILES,
    MAX_METADATA_BYTES,
    MAX_URL_CHARS,
    MEDIA_SCHEMES,
    URL_FIELDS,
    CaptionsBody,
    SceneBody,
    VoiceChoice,
)
from videorender.requests.hashing import (
    LOCAL_INPUTS,
    idempotency_digest,
    request_hash,
)
from videorender.requests.problems import (
    field_name,
    validation_message,
    validation_problems,
)
from videorender.requests.responses import (
    ClusterBody,
    ErrorResponse,
    HealthResponse,
    JobListResponse,
    JobResponse,
    JobUrlsResponse,
    QueueBody,
    StorageBody,
    UploadResponse,
    VoiceBody,
    VoiceoverResponse,
    VoicesResponse,
    WorkersBody,
)

__all__ = [
    "EXAMPLE_JOB_ID",
    "EXAMPLE_METADATA",
    "EXAMPLE_SCRIPT",
    "LOCAL_FILES",
    "LOCAL_INPUTS",
    "MAX_METADATA_BYTES",
    "MAX_URL_CHARS",
    "MEDIA_SCHEMES",
    "URL_FIELDS",
    "CaptionVideoRequest",
    "CaptionsBody",
    "ClusterBody",
    "ErrorResponse",
    "HealthResponse",
    "JobListResponse",
    "JobResponse",
    "JobUrlsResponse",
    "QueueBody",
    "RenderRequest",
    "RenderVideoRequest",
    "SceneBody",
    "StorageBody",
    "UploadResponse",
    "VoiceBody",
    "VoiceChoice",
    "VoiceoverRequest",
    "VoiceoverResponse",
    "VoicesResponse",
    "WorkersBody",
    "field_name",
    "idempotency_digest",
    "render_request",
    "request_hash",
    "validation_message",
    "validation_problems",
]
