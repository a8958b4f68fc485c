"""The studio's pages, its sign-in, and the caption previews (a still and a short clip)."""

from __future__ import annotations

import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import SecretStr

from videorender.auth import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    live_session,
    new_session,
    read_session,
    require_api_key,
)
from videorender.jobs.models import Job, JobKind, JobRequest, JobStatus
from videorender.jobs.service import JobService
from videorender.pipeline.captions import DEFAULT_STYLE, HIGHLIGHTING, STYLES, get_style
from videorender.pipeline.models import CaptionOptions, CaptionPosition, Color, Size, Stage
from videorender.pipeline.render.preview import caption_clip, caption_still
from videorender.pipeline.text.scenes import MOTIONS, TRANSITIONS
from videorender.pipeline.tts import ENGINES
from videorender.requests import JobResponse
from videorender.studio.estimates import RECENT_JOBS, Speed, job_seconds, measured_speed
from videorender.studio.media import poster_file
from videorender.studio.messages import readable
from videorender.web.keys import TooManyWrongKeysError, check_key

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/studio/static"
LOGIN_PATH = "/studio/login"
LOGIN_COOKIE = "vr_login"
JOBS_PER_PAGE = 12
MAX_PREVIEW_SIDE = 640
# Frame presets: (value sent as `size`, what a person reads).
SIZES = (
    ("1280x720", "16:9 landscape · 1280×720"),
    ("720x1280", "9:16 portrait · 720×1280"),
    ("1080x1080", "1:1 square · 1080×1080"),
    ("1920x1080", "16:9 full HD · 1920×1080"),
    ("320x180", "16:9 draft · 320×180 (fast)"),
    ("360x640", "9:16 draft · 360×640 (fast)"),
)
# The pipeline's own stages, in order, by what they are doing.
STAGES = {stage.value: stage.label for stage in Stage}

templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Visitor:
    """Who is looking at a page: whether sign-in is on, and the CSRF token for the API."""

    signed_in: bool
    csrf_token: str
    key_required: bool


class SignInRequiredError(Exception):
    """A page was asked for without a session while API_KEY is set."""


def _service(request: Request) -> JobService:
    service: JobService = request.app.state.service
    return service


def _recent_speed(service: JobService) -> Speed | None:
    """How fast this service's latest completed renders went (None before the first)."""
    page = service.list_page(status=JobStatus.COMPLETED, limit=RECENT_JOBS, cursor=None)
    return measured_speed(page.jobs)


def _key(request: Request) -> SecretStr | None:
    key: SecretStr | None = _service(request).settings.api_key
    return key


def visitor(request: Request) -> Visitor:
    """Page dependency: the visitor, or a redirect to sign-in when API_KEY is set."""
    key = _key(request)
    if key is None:
        return Visitor(signed_in=True, csrf_token="", key_required=False)
    session = live_session(request, key)
    if session is None:
        raise SignInRequiredError
    return Visitor(signed_in=True, csrf_token=session.csrf_token, key_required=True)


def sign_in_redirect(request: Request, _exc: Exception) -> Response:
    """Handler of `SignInRequiredError`: to the sign-in page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)


def _page(request: Request, name: str, who: Visitor, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {"who": who, "stages": STAGES, **context})
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/", response_class=HTMLResponse)
def new_video(
    request: Request,
    who: Annotated[Visitor, Depends(visitor)],
    from_job: Annotated[str | None, Query(alias="from", max_length=64)] = None,
) -> HTMLResponse:
    """The form; `?from=JOB_ID` fills it with that job's request (Edit and retry), its
    error shown beside the field it names."""
    service = _service(request)
    job = service.get(from_job) if from_job else None
    form = FormValues.of(job.request if job else None)
    sizes = list(SIZES)
    if form.size and form.size not in dict(sizes):
        sizes.append((form.size, f"as before · {form.size.replace('x', '×')}"))
    speed = _recent_speed(service)
    problem = readable(job.error, job.request) if job and job.error else None
    return _page(
        request,
        "new.html",
        who,
        form=form,
        sizes=[
            (value, text, speed.seconds(1.0, Size.parse(value)) if speed else None)
            for value, text in sizes
        ],
        speed_samples=speed.samples if speed else 0,
        styles=[(name, name in HIGHLIGHTING, style.summary) for name, style in STYLES.items()],
        motions=list(MOTIONS),
        transitions=list(TRANSITIONS),
        engines=sorted(ENGINES),
        default_engine=service.settings.tts_provider,
        allow_private=service.settings.allow_private_inputs,
        retry_of=job.id if job else None,
        problem=problem,
    )


@router.get("/studio/captions", response_class=HTMLResponse)
def caption_a_video(request: Request, who: Annotated[Visitor, Depends(visitor)]) -> HTMLResponse:
    """Caption a video you have: upload it (or give its URL), pick a style, Render."""
    return _page(request, "caption.html", who, styles=list(STYLES))


@dataclass(frozen=True)
class FormValues:
    """The new-video form's values: empty, or a previous job's (Edit and retry)."""

    script: str = ""
    base_video_url: str = ""
    bgm_url: str = ""
    style: str = DEFAULT_STYLE
    size: str = SIZES[0][0]
    voice: str = ""
    text_color: str = "#ffffff"
    highlight_color: str = "#ffd400"
    outline_color: str = "#000000"

    @classmethod
    def of(cls, request: JobRequest | None) -> FormValues:
        if request is None:
            return cls()
        options = request.options
        captions = options.captions
        voice = f"{options.tts_provider or ''}|{options.speaker or ''}|{options.language or ''}"
        return cls(
            script=request.script or _scenes_script(request),
            base_video_url=request.base_video_url or "",
            bgm_url=request.bgm_url or "",
            style=options.subtitle_style,
            size=str(options.size) if options.size else SIZES[0][0],
            voice="" if voice == "||" else voice,
            text_color=_hex(captions.text_color, cls.text_color),
            highlight_color=_hex(captions.highlight_color, cls.highlight_color),
            outline_color=_hex(captions.outline_color, cls.outline_color),
        )


def _scenes_script(request: JobRequest) -> str:
    """A scene job's script written back with its marker lines, for "Edit and retry"."""
    parts = []
    for scene in request.scenes:
        if scene.media is not None:
            options = " ".join(
                f"{name}={str(value).lower() if isinstance(value, bool) else value}"
                for name, value in scene.options.to_mapping().items()
            )
            label = scene.label.replace("]", "").replace("[", "")
            parts.append(f"![{label}]({scene.media})" + (f"{{{options}}}" if options else ""))
        parts.append(scene.text)
    return "\n".join(parts)


def _hex(color: Color | None, default: str) -> str:
    return f"#{color.r:02x}{color.g:02x}{color.b:02x}" if color else default


@router.get("/studio/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    who: Annotated[Visitor, Depends(visitor)],
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """Jobs, newest first, a page at a time, optionally of one status."""
    wanted = JobStatus(status) if status in {s.value for s in JobStatus} else None
    page = _service(request).list_page(status=wanted, limit=JOBS_PER_PAGE, cursor=cursor)
    next_cursor = page.next_cursor
    return _page(
        request,
        "jobs.html",
        who,
        jobs=[_job_view(request, job) for job in page.jobs],
        status=wanted.value if wanted else "",
        statuses=[s.value for s in JobStatus],
        next_cursor=next_cursor,
        paged=cursor is not None,
    )


@router.get("/studio/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request, job_id: str, who: Annotated[Visitor, Depends(visitor)]
) -> HTMLResponse:
    """One job: live progress and Cancel; then the player and downloads, or the error."""
    service = _service(request)
    job = service.get(job_id)
    if job is None:
        return _page(request, "missing.html", who, job_id=job_id)
    estimate = None
    if not job.status.finished and job.request.kind is JobKind.RENDER:
        speed = _recent_speed(service)
        if speed is not None:
            ran_s = time.time() - job.started_at if job.started_at else 0.0
            estimate = {"total_s": round(job_seconds(speed, job.request), 1), "ran_s": ran_s}
    return _page(request, "job.html", who, job=_job_view(request, job), estimate=estimate)


def _job_view(request: Request, job: Job) -> dict[str, Any]:
    """The job as the API shows it, its URLs made downloadable (presigned with S3)."""
    service = _service(request)
    body = JobResponse.of(job).model_dump(mode="json")
    expires_s = service.settings.s3_signed_url_expiration_seconds
    for name, value in list(body.items()):
        if name.endswith("_url") and value:
            body[name] = service.storage.share(value, expires_s=expires_s)
    body["script"] = job.request.script
    body["stage_name"] = STAGES.get(job.stage or "", "Waiting for a worker")
    body["problem"] = readable(job.error, job.request) if job.error else None
    body["started_at"] = job.started_at
    return body


@router.get(LOGIN_PATH, response_class=HTMLResponse)
def login_page(
    request: Request, next: Annotated[str, Query(max_length=2000)] = "/"
) -> HTMLResponse:
    return _login_form(request, _safe_next(next), error=None, status_code=200)


def _login_form(
    request: Request, next_path: str, error: str | None, status_code: int
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"who": None, "next": next_path, "login_token": token, "error": error},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=600, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path=LOGIN_PATH,
    )  # fmt: skip
    response.headers["cache-control"] = "no-store"
    return response


@router.post(LOGIN_PATH, response_class=HTMLResponse)
def login(
    request: Request,
    api_key: Annotated[str, Form(max_length=1000)] = "",
    login_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the key once; on success keep a session cookie (the key itself is not kept)."""
    key = _key(request)
    next_path = _safe_next(next)
    if key is None:
        return RedirectResponse(next_path, status_code=303)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, login_token):
        return _login_form(request, next_path, "The form expired; please enter the key again.", 403)
    given = api_key.strip()
    try:  # an empty field is no guess: not counted
        right = bool(given) and check_key(_service(request), request, key, given)
    except TooManyWrongKeysError as exc:
        wait = f"Too many wrong keys; please wait {exc.retry_after} s and try again."
        page = _login_form(request, next_path, wait, 429)
        page.headers["retry-after"] = str(exc.retry_after)
        return page
    if not right:
        return _login_form(request, next_path, "API key: that is not this service's key.", 401)
    session = new_session(key)
    _service(request).sessions.begin(session.nonce, session.expires_at)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session.cookie, max_age=SESSION_SECONDS, httponly=True,
        samesite="strict", secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/studio/logout", dependencies=[Depends(require_api_key)])
def logout(request: Request) -> Response:
    """Sign out: the session ends on the server (in every process), and its cookie goes."""
    key = _key(request)
    session = read_session(key, request.cookies.get(SESSION_COOKIE)) if key else None
    if session is not None:
        _service(request).sessions.end(session.nonce)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(path: str) -> str:
    """Only a path of this site: never another site (`//host`, `https://...`)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


@dataclass(frozen=True)
class PreviewRequest:
    """What a caption preview draws: the style, the frame, and the caption options."""

    style: str
    frame: Size
    options: CaptionOptions
    picture: str | None = None  # an upload (upload://ID) whose first frame is under the caption


def preview_request(
    *,
    style: Annotated[str, Query(max_length=20)] = DEFAULT_STYLE,
    size: Annotated[str, Query(max_length=20)] = "480x270",
    text_color: Annotated[str | None, Query(max_length=9)] = None,
    highlight_color: Annotated[str | None, Query(max_length=9)] = None,
    outline_color: Annotated[str | None, Query(max_length=9)] = None,
    font_size: Annotated[int | None, Query()] = None,
    position: Annotated[CaptionPosition | None, Query()] = None,
    uppercase: Annotated[bool | None, Query()] = None,
    words_per_caption: Annotated[int | None, Query()] = None,
    picture: Annotated[str | None, Query(max_length=100)] = None,
) -> PreviewRequest:
    """The preview's query (at most 640 pixels a side), validated by the pipeline's types.

    Raises:
        HTTPException: 422, naming the field.
    """
    frame = Size.parse(size)
    if max(frame.width, frame.height) > MAX_PREVIEW_SIDE:
        raise HTTPException(
            status_code=422, detail=f"size: at most {MAX_PREVIEW_SIDE} pixels a side"
        )
    values = {
        "text_color": text_color,
        "highlight_color": highlight_color,
        "outline_color": outline_color,
        "font_size": font_size,
        "position": position,
        "uppercase": uppercase,
        "words_per_caption": words_per_caption,
    }
    options = CaptionOptions.from_mapping({k: v for k, v in values.items() if v is not None})
    options.validate()
    get_style(style)
    return PreviewRequest(style, frame, options, picture)


Preview = Annotated[PreviewRequest, Depends(preview_request)]
_PREVIEW_CACHE = {"cache-control": "private, max-age=300"}


@router.get(
    "/studio/preview.png",
    dependencies=[Depends(require_api_key)],
    response_class=Response,
)
def preview(request: Preview, http: Request) -> Response:
    """A still frame with a caption in the style and options asked for, over the first frame
    of the uploaded scene or base video `picture` (`upload://ID`), or a plain background."""
    under = poster_file(_service(http), request.picture, "picture") if request.picture else None
    with tempfile.TemporaryDirectory(prefix="studio-preview-") as folder:
        output = Path(folder) / "preview.png"
        caption_still(
            output,
            size=request.frame,
            style=request.style,
            options=request.options,
            picture=under,
        )
        data = output.read_bytes()
    return Response(data, media_type="image/png", headers=_PREVIEW_CACHE)


@router.get(
    "/studio/preview.mp4",
    dependencies=[Depends(require_api_key)],
    response_class=Response,
)
def preview_clip(request: Preview) -> Response:
    """A short silent clip of the sample sentence with its captions in the style and options
    asked for (the animated styles move as in the video); the same query as preview.png."""
    with tempfile.TemporaryDirectory(prefix="studio-preview-") as folder:
        output = Path(folder) / "preview.mp4"
        caption_clip(output, size=request.frame, style=request.style, options=request.options)
        data = output.read_bytes()
    return Response(data, media_type="video/mp4", headers=_PREVIEW_CACHE)
