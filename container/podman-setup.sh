#!/usr/bin/env bash
# Makes rootful podman (Debian 12's 4.3) usable on this kind of machine, idempotently: installs
# podman, runc and debootstrap when missing, and writes a containers.conf drop-in. crun refuses
# the hybrid cgroups here, so runc is the runtime; the default ulimits cannot be raised inside
# these machines; cgroupfs because there is no systemd to manage container cgroups.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "container/podman-setup.sh: needs root (rootful podman, debootstrap, /etc/containers)" >&2
  exit 2
fi

missing=()
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
# Compose's services find each other by name (`postgres`, `s3`) through CNI's dnsname plugin,
# which podman neither depends on nor recommends in Debian 12.
[ -x /usr/lib/cni/dnsname ] || missing+=(dnsname)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc debootstrap uidmap slirp4netns fuse-overlayfs \
    golang-github-containernetworking-plugin-dnsname
fi

# A drop-in, read after /etc/containers/containers.conf: leaves a machine's own file alone.
conf=/etc/containers/containers.conf.d/50-videorender.conf
want='# Written by container/podman-setup.sh (video-rendering-service).
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"'
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$want" > "$conf"
  echo "wrote $conf"
fi

runtime=$(podman info --format '{{.Host.OCIRuntime.Name}}')
manager=$(podman info --format '{{.Host.CgroupManager}}')
if [ "$runtime" != runc ] || [ "$manager" != cgroupfs ]; then
  echo "podman ignores $conf: runtime $runtime, cgroup manager $manager" >&2
  exit 1
fi
