"""apt (Debian, Ubuntu): the docker-clean hook of the official images, which a cache mount of
/var/cache/apt must set aside (SF601); and the runtime package of each build (`-dev`)
package, for SF502's split of a Python build."""

from __future__ import annotations

import re

from ..analysis.official_images import official_image

CONF = "/etc/apt/apt.conf.d/docker-clean"
# outside apt.conf.d (apt reads only that folder's parts), on the same filesystem: a rename
# keeps the file's inode, owner, mode and times; not in /tmp, which RUNs often empty
ASIDE = "/etc/apt/docker-clean.aside"

SET_ASIDE = f"{{ [ ! -e {CONF} ] || {{ mv {CONF} {ASIDE} && trap 'mv {ASIDE} {CONF}' EXIT; }}; }}"

# Commands that would lose the trap: another EXIT trap replaces it, exec replaces the shell.
LOSES_TRAP = frozenset({"trap", "exec"})


# --- build packages and their runtime packages (SF502) ------------------------------
# The Debian runtime package of each `-dev` package SF502 knows (its Python split).
#
# A build stage installs `libpq-dev` to compile psycopg2; the runtime stage needs only the
# shared library, `libpq5`. A value that is one name is the same in every release listed in
# RELEASES; a dict names it per release (Debian renamed libraries between releases: trixie's
# 64-bit time_t transition added `t64`); "" means nothing is needed at run time (headers
# only). A package missing here, or a release missing from its dict, makes the split refuse.

RELEASES = ("bullseye", "bookworm", "trixie")

RUNTIME: dict[str, str | dict[str, str]] = {
    "libpq-dev": "libpq5",
    "zlib1g-dev": "zlib1g",
    "libjpeg-dev": "libjpeg62-turbo",
    "libjpeg62-turbo-dev": "libjpeg62-turbo",
    "libyaml-dev": "libyaml-0-2",
    "libsqlite3-dev": "libsqlite3-0",
    "libmariadb-dev": "libmariadb3",
    "libmariadb-dev-compat": "libmariadb3",
    "default-libmysqlclient-dev": "libmariadb3",
    "libbz2-dev": "libbz2-1.0",
    "liblzma-dev": "liblzma5",
    "libmagic-dev": "libmagic1",
    "libxml2-dev": {"bullseye": "libxml2", "bookworm": "libxml2"},
    "libxslt1-dev": {"bullseye": "libxslt1.1", "bookworm": "libxslt1.1"},
    "libffi-dev": {"bullseye": "libffi7", "bookworm": "libffi8"},
    "libssl-dev": {"bullseye": "libssl1.1", "bookworm": "libssl3", "trixie": "libssl3t64"},
    "libcurl4-openssl-dev": {"bullseye": "libcurl4", "bookworm": "libcurl4", "trixie": "libcurl4t64"},
    "libpng-dev": {"bullseye": "libpng16-16", "bookworm": "libpng16-16", "trixie": "libpng16-16t64"},
    "libtiff-dev": {"bullseye": "libtiff5", "bookworm": "libtiff6"},
    "libwebp-dev": {"bullseye": "libwebp6", "bookworm": "libwebp7"},
    "libfreetype6-dev": {"bullseye": "libfreetype6", "bookworm": "libfreetype6"},
    "liblcms2-dev": "liblcms2-2",
    # headers and static files only: the runtime has what they belong to already
    "python3-dev": "", "python-dev": "", "libpython3-dev": "", "libc6-dev": "", "libc-dev": "",
    "linux-libc-dev": "",
}

# Build tools: needed to compile, never at run time.
BUILD_TOOLS = {"build-essential", "gcc", "g++", "make", "cmake", "clang", "llvm", "autoconf", "automake",
               "libtool", "pkg-config", "pkgconf", "cpp"}


def release_of(base: str) -> str | None:
    """The Debian release a python or debian image reference names, if it names one."""
    image = official_image(base)
    if image is None or image.name not in ("python", "debian") or not image.tag:
        return None
    return next((r for r in RELEASES if re.search(rf"(^|-){r}(-|$)", image.tag)), None)


def runtime_package(dev: str, release: str | None) -> str | None:
    """The runtime package of ``dev`` ("" for none), or None when slimfix does not know it."""
    entry = RUNTIME.get(dev)
    if entry is None or isinstance(entry, str):
        return entry
    if release is None:
        names = {entry.get(r) for r in RELEASES}
        return names.pop() if len(names) == 1 else None
    return entry.get(release)


# --- its caches (SF601) ------------------------------------------------------------------
# The lists, not all of /var/lib/apt: extended_states (apt's record of what was installed
# automatically, read by apt-mark and autoremove) and what other tools keep there (gitpod's
# dazzle-marks) must reach the image, not a cache every build on the builder shares.
CACHE_TARGETS = ("/var/cache/apt", "/var/lib/apt/lists")
KNOWN_TARGETS = ("/var/cache/apt", "/var/lib/apt")  # a RUN that mounts one is left alone
OFFLINE_OPTIONS = ("--no-download",)  # installs only what /var/cache/apt holds
LOOKS_LIKE = re.compile(r"\bapt(-get)?\s+(\S+\s+)*(update|install)\b")
