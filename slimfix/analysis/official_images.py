"""Which Docker Hub image a FROM names, under every spelling of it. What slimfix knows of an
official image (its slim variants, its default user, where it keeps gems, that it has
ca-certificates) holds for `python`, `library/python`, `docker.io/python`,
`docker.io/library/python`, `index.docker.io/library/python` and
`registry.docker.com/library/python` (the Rails generator's spelling) alike; every rule
asks here rather than matching the name itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Hosts that serve Docker Hub. On docker.io (and its old name index.docker.io) a name
# without a namespace is an official image (`docker.io/python` is `library/python`);
# the registry's own hosts need the `library/` spelled out.
_HUB_ALIASES = ("docker.io", "index.docker.io")
_HUB_REGISTRIES = ("registry.docker.com", "registry-1.docker.io", "registry.hub.docker.com")
_REF = re.compile(r"^(?P<path>[a-z0-9][a-z0-9._/-]*)(?::(?P<tag>[^@/]+))?(?:@(?P<digest>.+))?$", re.I)


@dataclass(frozen=True)
class HubImage:
    """A Docker Hub repository (``python``, ``opensuse/leap``), the tag as written (``""``
    for none; it may hold variables) and the digest (``""`` for none)."""

    name: str
    tag: str
    digest: str

    @property
    def official(self) -> bool:
        return "/" not in self.name


def hub_image(ref: str) -> HubImage | None:
    """The Docker Hub image ``ref`` names, or None when it names another registry's or
    its name uses a variable."""
    m = _REF.match(ref.strip())
    if m is None:
        return None
    parts = m.group("path").lower().split("/")
    if parts[0] in _HUB_ALIASES:
        parts = parts[1:]
    elif parts[0] in _HUB_REGISTRIES:
        parts = parts[1:]
        if len(parts) < 2:
            return None  # `registry.docker.com/python` is not a repository
    elif "." in parts[0] or ":" in parts[0] or parts[0] == "localhost":
        return None  # another registry
    if parts[:1] == ["library"] and len(parts) == 2:
        parts = parts[1:]
    if not parts or not all(parts):
        return None
    return HubImage("/".join(parts), m.group("tag") or "", m.group("digest") or "")


def official_image(ref: str) -> HubImage | None:
    """The official image ``ref`` names (``python`` for every spelling above), or None."""
    image = hub_image(ref)
    return image if image is not None and image.official else None


def is_official(ref: str, *names: str) -> bool:
    """Whether ``ref`` names one of the official images ``names``."""
    image = official_image(ref)
    return image is not None and image.name in names
