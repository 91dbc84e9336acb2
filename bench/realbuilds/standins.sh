#!/usr/bin/env bash
# Stand-ins for the official python, node and golang images (full and -slim), built from
# Debian's packages with buildah, because this machine reaches no container registry.
# Run after ../shared/tools/image-lab/setup-base.sh (which makes debian:bookworm-slim and
# python:3.11-slim). The full variants carry what the official full images carry and the
# slim ones lack (buildpack-deps: curl, wget, git, a compiler, common -dev libraries), so
# that a swap to -slim is judged against the same difference a real registry has.
set -Eeuo pipefail
LAB="${IMAGE_LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../shared/tools/image-lab" && pwd)}"
. "$LAB/env.sh"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

build() {  # NAME TAG... < Containerfile
  local name="$1" dir="$work/$1"; shift; mkdir -p "$dir"; cat > "$dir/Containerfile"
  buildah bud --pull=never --layers=false -q -t "localhost/$name" "$dir" >/dev/null
  for t in "$@"; do buildah tag "localhost/$name" "docker.io/library/$t"; done
  echo "built $*"
}

# What buildpack-deps:bookworm (the base of every full official image) adds, in short.
BUILDPACK="curl wget ca-certificates gnupg dirmngr git openssh-client procps unzip xz-utils bzip2 \
  make gcc g++ libc6-dev autoconf automake libtool pkg-config file patch \
  libssl-dev libffi-dev zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev libxml2-dev libxslt1-dev \
  libjpeg-dev libpng-dev libpq-dev default-libmysqlclient-dev libyaml-dev libcurl4-openssl-dev"

build buildpack-deps buildpack-deps:bookworm <<EOF
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends $BUILDPACK && rm -rf /var/lib/apt/lists/*
EOF

# The lab's egress proxy has its CA in the system store (setup-base.sh puts it there); uv reads
# its own bundled roots, and requests (poetry, pipenv) certifi's, unless told to use the system's.
build python-slim python:3.11-slim python:3.11-slim-bookworm <<'EOF'
FROM localhost/python:3.11-slim
ENV UV_NATIVE_TLS=1 REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
EOF

build python-full python:3.11 python:3.11-bookworm <<EOF
FROM localhost/python-slim
RUN apt-get update && apt-get install -y --no-install-recommends $BUILDPACK python3-dev && rm -rf /var/lib/apt/lists/*
EOF

# node:*-slim carries node, npm and Yarn 1 (the official images install yarn globally).
build node-slim node:18-slim node:18-bookworm-slim <<'EOF'
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates nodejs npm \
    && rm -rf /var/lib/apt/lists/* && npm install -g yarn@1 && npm cache clean --force \
    && node --version && npm --version && yarn --version
ENV NODE_VERSION=18
CMD ["node"]
EOF

build node-full node:18 node:18-bookworm <<EOF
FROM node:18-slim
RUN apt-get update && apt-get install -y --no-install-recommends $BUILDPACK python3 && rm -rf /var/lib/apt/lists/*
EOF

build golang golang:1.19 golang:1.19-bookworm <<EOF
FROM buildpack-deps:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends golang-go && rm -rf /var/lib/apt/lists/*
ENV GOPATH=/go PATH=/go/bin:/usr/lib/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GOTOOLCHAIN=local
WORKDIR /go
EOF
# ghcr.io/astral-sh/uv:* : uv and uvx at the root (the distroless image's layout, for
# COPY --from=...uv /uv /uvx /bin/), on the python slim stand-in (the *-bookworm-slim tags).
build uv-standin <<'EOF'
FROM python:3.11-slim
RUN pip install --no-cache-dir uv && cp "$(command -v uv)" /uv && cp "$(command -v uvx)" /uvx
EOF

buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' | sort
