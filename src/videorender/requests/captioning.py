"""POST /caption-video: captions for the caller's own video, transcribed from its speech."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from videorender.jobs.models import JobKind, JobRequest
from videorender.pipeline.captions import DEFAULT_STYLE, STYLES
from videorender.pipeline.models import CaptionOptions, RenderOptions, Size
from videorender.requests.examples import EXAMPLE_METADATA
from videorender.requests.fields import (
    MAX_METADATA_BYTES,
    CaptionsBody,
    FrameSize,
    LanguageTag,
    SubtitleStyle,
    WebhookUrl,
    media_url,
)


class CaptionVideoRequest(BaseModel):
    """POST /caption-video."""

    KIND: ClassVar[JobKind] = JobKind.CAPTION_VIDEO

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "video_url": "https://example.com/media/interview.mp4",
                    "subtitle_style": "karaoke",
                    "captions": {"position": "bottom", "font_size": 44},
                    "webhook_url": "https://n8n.example.com/webhook/captions-done",
                    "metadata": EXAMPLE_METADATA,
                }
            ]
        },
    )

    video_url: str = Field(
        description="The video to caption: http(s)://, s3:// or upload:// (POST /uploads). "
        "Its own speech is transcribed (Whisper) and timed to the word."
    )
    subtitle_style: SubtitleStyle | None = Field(
        default=None,
        description=f"Caption style: {', '.join(sorted(STYLES))} (default sentence).",
    )
    captions: CaptionsBody | None = None
    language: LanguageTag | None = Field(
        default=None,
        max_length=35,
        description="BCP-47 tag of what is spoken (en, es, pt-BR, ...); default: detected.",
    )
    burn: bool = Field(
        default=True,
        description="Burn the captions into the video (re-encoded: H.264 + AAC). false: only "
        "the caption files; final.mp4 is the video's own streams, copied.",
    )
    size: FrameSize | None = Field(
        default=None, description="Output WIDTHxHEIGHT when burning; default: the video's own."
    )
    webhook_url: WebhookUrl | None = Field(
        default=None,
        description="Also send this job's events here, besides WEBHOOK_URL; signed and retried "
        "the same way.",
    )
    metadata: dict[str, Any] | None = Field(
        default=None,
        description="Any JSON object of yours, at most 1 KB, echoed in GET /status and webhooks.",
    )

    @field_validator("video_url")
    @classmethod
    def _check_video_url(cls, value: str, info: ValidationInfo) -> str:
        return media_url(value, info) or value

    @field_validator("metadata")
    @classmethod
    def _check_metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
            if size > MAX_METADATA_BYTES:
                raise ValueError(
                    f"metadata is {size:,} bytes as compact JSON; the limit is "
                    f"{MAX_METADATA_BYTES:,}"
                )
        return value

    def job_request(self, base_url: str) -> JobRequest:
        """The job this request asks for; `base_url` is where the caller reached us."""
        captions = self.captions.values() if self.captions else {}
        return JobRequest(
            kind=self.KIND,
            script="",
            video_url=self.video_url,
            burn=self.burn,
            webhook_url=self.webhook_url,
            options=RenderOptions(
                size=Size.parse(self.size) if self.size else None,
                language=self.language,
                subtitle_style=self.subtitle_style or DEFAULT_STYLE,
                captions=CaptionOptions.from_mapping(captions),
            ),
            base_url=base_url,
            metadata=self.metadata,
        )
