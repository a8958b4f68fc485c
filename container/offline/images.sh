#!/usr/bin/env bash
# For machines that reach Debian's package mirror (and PyPI) but no image registry: builds,
# once, the images that would otherwise be pulled, under the names the Dockerfiles and
# compose.yaml use:
#   debian:bookworm-slim  from Debian's packages (debootstrap), trimmed the way the official
#                         slim image is (no manuals, docs or translations; the packages'
#                         copyright files kept), bookworm-updates and security applied;
#   postgres:15           a stand-in built from Debian's postgresql-15 (offline/postgres/).
# Each is skipped when it already exists; `podman rmi` it to build it again.
#
#   container/offline/images.sh [MIRROR]     (default http://deb.debian.org/debian)
set -euo pipefail

image=localhost/debian:bookworm-slim
mirror=${1:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)

postgres_standin() {
  if ! podman image exists docker.io/library/postgres:15; then
    echo "building the postgres:15 stand-in from Debian's postgresql-15"
    podman build -q --pull=never --network=host --format docker \
      --build-arg BASE_IMAGE="$image" -t docker.io/library/postgres:15 "$here/postgres" >/dev/null
  fi
}

if podman image exists "$image"; then
  podman tag "$image" docker.io/library/debian:bookworm-slim
  postgres_standin
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "container/offline/images.sh: debootstrap needs root" >&2
  exit 2
fi

root=$(mktemp -d /var/tmp/bookworm-slim.XXXXXX)
log=$root.log
trap 'rm -rf "$root" "$log"' EXIT
chmod 755 "$root"  # apt's sandbox user must reach the chroot's lists
echo "debootstrap bookworm into $root (about a minute)"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1 \
  || { tail -20 "$log" >&2; exit 1; }

cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SOURCES
# What the official slim image leaves out of every package installed later, too.
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
cat >"$root/etc/apt/apt.conf.d/slim" <<'APT'
APT::Install-Recommends "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT

chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq' \
  >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
# The same trimming for what debootstrap already installed.
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/{man,groff,info,lintian,linda}/* "$root"/var/lib/apt/lists/* \
  "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

tar -C "$root" -c . | podman import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null
podman tag "$image" docker.io/library/debian:bookworm-slim
podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$image"
postgres_standin
