"""An image's final filesystem and settings, read from an image archive.

The archive is what docker, podman and buildah can all write without a registry: a
docker archive (``manifest.json`` and one tar per layer), an OCI archive or an OCI layout
folder (``index.json`` and blobs). The layers are applied in order as a container runtime
would: ``dir/.wh.name`` deletes ``dir/name`` from the layers below, ``dir/.wh..wh..opq``
empties ``dir`` of what the layers below put there, and a non-folder that replaces a
folder hides everything under it. Each layer is streamed and each file hashed as it goes
by, so an image of several gigabytes is never held in memory; only the entries' metadata
are, and the text of the few files the certificate reads (the package databases, the
users' home folders).

What cannot be read is recorded in ``problems``: the comparison goes on where it can, and
the verdict says what it could not compare.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import tarfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Callable

# The image settings a container runs with (the ``config`` object of the image config;
# docker's ``container_config`` describes the build's last step, not the image).
SETTINGS = ("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels",
            "StopSignal", "Healthcheck", "Shell", "OnBuild")

_CHUNK = 1 << 20
_KEPT_LIMIT = 16 << 20  # a kept file larger than this is a problem, not a memory hog


@dataclass(frozen=True, slots=True)
class Entry:
    """One path of the final filesystem, with what a comparison looks at (never mtimes)."""

    kind: str  # file, dir, symlink, chardev, blockdev, fifo
    mode: int  # permission bits with setuid, setgid and sticky
    uid: int
    gid: int
    size: int = 0  # a file's bytes
    digest: str = ""  # a file's sha256
    target: str = ""  # a symbolic link's target
    device: tuple[int, int] | None = None  # a device node's major and minor numbers
    linked_from: str = ""  # a hard link: the path it shares its content with
    xattrs: tuple[tuple[str, str], ...] = ()  # extended attributes (file capabilities among them)
    layer: int = 0  # the layer (1 is the lowest) that put it there; never compared

    @property
    def stored(self) -> int:
        """The bytes its layer ships for it (a hard link ships none of its own)."""
        return self.size if self.kind == "file" and not self.linked_from else 0


def kept_by_default(path: str) -> bool:
    """The files whose text the certificate reads: who the users are (their home folders)
    and which package owns which file (dpkg, apk)."""
    return (path in ("/etc/passwd", "/var/lib/dpkg/status", "/lib/apk/db/installed")
            or (path.startswith("/var/lib/dpkg/info/") and path.endswith(".list")))


@dataclass
class ImageContents:
    files: dict[str, Entry] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    texts: dict[str, bytes] = field(default_factory=dict)  # the kept files' bytes
    problems: list[str] = field(default_factory=list)
    layers: int = 0
    # Bytes a layer ships that a later layer hides: (shipped by, hidden by, how) -> bytes,
    # how being "deleted", "overwritten" or "re-owned or re-moded" (the same content again).
    waste: dict[tuple[int, int, str], int] = field(default_factory=dict)
    _children: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _layer: int = field(default=0, repr=False)  # the layer being applied

    def _wasted(self, old: Entry, how: str) -> None:
        if old.stored and old.layer != self._layer:
            key = (old.layer, self._layer, how)
            self.waste[key] = self.waste.get(key, 0) + old.stored

    def remove_tree(self, path: str, *, keep_root: bool = False) -> None:
        """Delete ``path`` and everything under it (only what is under it: ``keep_root``)."""
        stack = [path]
        while stack:
            here = stack.pop()
            stack.extend(self._children.pop(here, ()))
            if here == path and keep_root:
                continue
            old = self.files.pop(here, None)
            if old is not None:
                self._wasted(old, "deleted")
            self.texts.pop(here, None)
            parent = self._children.get(posixpath.dirname(here))
            if parent is not None:
                parent.discard(here)

    def put(self, path: str, entry: Entry, text: bytes | None) -> None:
        old = self.files.get(path)
        if old is not None and old.kind == "dir" and entry.kind != "dir":
            self.remove_tree(path)
        elif old is not None:
            same = entry.kind == old.kind == "file" and (entry.digest, entry.size) == (old.digest, old.size)
            self._wasted(old, "re-owned or re-moded" if same else "overwritten")
        self.files[path] = entry
        if text is not None:
            self.texts[path] = text
        else:
            self.texts.pop(path, None)
        if path != "/":
            self._children.setdefault(posixpath.dirname(path), set()).add(path)

    def text(self, path: str) -> str:
        data = self.texts.get(path)
        return data.decode("utf-8", "replace") if data is not None else ""


def image_path(name: str) -> str | None:
    """A layer member's name as an absolute path (``./usr/bin/x`` -> ``/usr/bin/x``); None
    for a name that leaves the root."""
    parts = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return None
        parts.append(part)
    return "/" + "/".join(parts)


class ArchiveError(Exception):
    pass


class _Source:
    """The files of an archive or a layout folder, opened by name."""

    def __init__(self, path: Path):
        self.path = path
        self._tar = None if path.is_dir() else tarfile.open(path, "r:")  # noqa: SIM115 (closed by close())

    def names(self) -> set[str]:
        if self._tar is None:
            return {str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file()}
        return {image_path(m.name)[1:] for m in self._tar.getmembers() if m.isfile() and image_path(m.name)}

    def open(self, name: str) -> IO[bytes]:
        if self._tar is None:
            target = (self.path / name).resolve()
            if self.path.resolve() not in target.parents:
                raise ArchiveError(f"{name}: outside the image layout")
            return open(target, "rb")
        try:
            member = self._tar.getmember(name)
        except KeyError:
            try:
                member = self._tar.getmember("./" + name)
            except KeyError:
                raise ArchiveError(f"{name}: not in the archive") from None
        handle = self._tar.extractfile(member)
        if handle is None:
            raise ArchiveError(f"{name}: not a file in the archive")
        return handle

    def json(self, name: str) -> object:
        with self.open(name) as fh:
            try:
                return json.load(fh)
            except ValueError as exc:
                raise ArchiveError(f"{name}: not JSON ({exc})") from None

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()


def _layout(source: _Source) -> tuple[str, list[str]]:
    """The config blob's name and the layer blobs' names, oldest first."""
    names = source.names()
    if "manifest.json" in names:  # a docker archive (docker save also writes index.json beside it)
        manifest = source.json("manifest.json")
        if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
            raise ArchiveError("manifest.json: not a docker archive manifest")
        return str(manifest[0]["Config"]), [str(x) for x in manifest[0].get("Layers", [])]
    if "index.json" in names:
        document = source.json("index.json")
        for _ in range(4):  # an index may point at another index (a multi-platform image)
            manifests = document.get("manifests") if isinstance(document, dict) else None
            if not manifests:
                break
            document = source.json(_blob(manifests[0]["digest"]))
        if not isinstance(document, dict) or "config" not in document:
            raise ArchiveError("index.json: no image manifest found")
        return _blob(document["config"]["digest"]), [_blob(x["digest"]) for x in document.get("layers", [])]
    raise ArchiveError("neither manifest.json (docker archive) nor index.json (OCI layout) found")


def _blob(digest: str) -> str:
    algorithm, _, hexa = digest.partition(":")
    return f"blobs/{algorithm}/{hexa}"


def read_image(path: Path, *, keep: Callable[[str], bool] = kept_by_default) -> ImageContents:
    """Read the image archive (or OCI layout folder) at ``path``."""
    contents = ImageContents()
    try:
        source = _Source(path)
    except (OSError, tarfile.TarError) as exc:
        contents.problems.append(f"the image archive could not be opened: {exc}")
        return contents
    try:
        try:
            config_name, layers = _layout(source)
            config = source.json(config_name)
        except (ArchiveError, KeyError, TypeError, IndexError, OSError, tarfile.TarError) as exc:
            contents.problems.append(f"the image archive could not be read: {exc}")
            return contents
        run_config = config.get("config") if isinstance(config, dict) else None
        run_config = run_config if isinstance(run_config, dict) else {}
        contents.settings = {k: run_config.get(k) for k in SETTINGS}
        for number, name in enumerate(layers, 1):
            try:
                with source.open(name) as raw:
                    _apply_layer(contents, raw, keep, number)
            except (ArchiveError, OSError, tarfile.TarError, EOFError, ValueError) as exc:
                contents.problems.append(f"layer {number} ({name}) could not be read: {exc}")
            contents.layers += 1
    finally:
        source.close()
    return contents


def _layer_stream(raw: IO[bytes]) -> tarfile.TarFile:
    head = raw.read(4)
    stream: IO[bytes] = _Prefixed(head, raw)
    if head == b"\x28\xb5\x2f\xfd":
        try:
            from compression import zstd  # type: ignore[import-not-found]  # Python 3.14
        except ImportError:
            raise ArchiveError("a zstd-compressed layer (Python 3.14 reads it; this Python cannot)") from None
        stream = zstd.ZstdFile(stream)  # type: ignore[assignment]
    return tarfile.open(fileobj=stream, mode="r|*", encoding="utf-8", errors="surrogateescape")


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read (to sniff the compression)."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _apply_layer(contents: ImageContents, raw: IO[bytes], keep: Callable[[str], bool], number: int) -> None:
    """One layer over what the layers below made: its whiteouts first (they concern only
    the layers below), then its entries."""
    label = f"layer {number}"
    added: dict[str, tuple[Entry, bytes | None]] = {}
    deleted: list[str] = []
    opaque: list[str] = []
    with _layer_stream(raw) as layer:
        for member in layer:
            path = image_path(member.name)
            if path is None:
                contents.problems.append(f"{label}: {member.name!r} leaves the root: skipped")
                continue
            base = posixpath.basename(path)
            if base == ".wh..wh..opq":
                opaque.append(posixpath.dirname(path))
                continue
            if base.startswith(".wh."):
                deleted.append(posixpath.join(posixpath.dirname(path), base[4:]))
                continue
            entry, text = _entry(member, layer, path, keep, contents, added, label)
            if entry is not None:
                added[path] = (replace(entry, layer=number), text)
    contents._layer = number
    for folder in opaque:
        contents.remove_tree(folder, keep_root=True)
    for path in deleted:
        contents.remove_tree(path)
    for path, (entry, text) in added.items():
        contents.put(path, entry, text)


def _entry(member: tarfile.TarInfo, layer: tarfile.TarFile, path: str, keep, contents: ImageContents,
           added: dict, label: str) -> tuple[Entry | None, bytes | None]:
    entry, text = _bare_entry(member, layer, path, keep, contents, added, label)
    xattrs = tuple(sorted((k[len("SCHILY.xattr."):], v) for k, v in member.pax_headers.items()
                          if k.startswith("SCHILY.xattr.")))
    if entry is not None and xattrs:
        entry = replace(entry, xattrs=xattrs)
    return entry, text


def _bare_entry(member: tarfile.TarInfo, layer: tarfile.TarFile, path: str, keep, contents: ImageContents,
                added: dict, label: str) -> tuple[Entry | None, bytes | None]:
    mode, uid, gid = member.mode & 0o7777, member.uid, member.gid
    if member.isreg():
        digest, size, text = _hash(layer.extractfile(member), keep(path), path, contents)
        return Entry("file", mode, uid, gid, size, digest), text
    if member.isdir():
        return Entry("dir", mode, uid, gid), None
    if member.issym():
        return Entry("symlink", mode, uid, gid, target=member.linkname), None
    if member.islnk():
        target = image_path(member.linkname) or member.linkname
        found = added.get(target)
        if found is None and target in contents.files:
            contents.problems.append(f"{label}: hard link {path} -> {target} points into a lower layer")
            found = (contents.files[target], contents.texts.get(target))
        if found is None or found[0].kind != "file":
            contents.problems.append(f"{label}: hard link {path} -> {target}: no such file")
            return None, None
        linked, text = found
        return Entry("file", mode, uid, gid, linked.size, linked.digest, linked_from=target), text
    if member.ischr() or member.isblk():
        return Entry("chardev" if member.ischr() else "blockdev", mode, uid, gid,
                     device=(member.devmajor, member.devminor)), None
    if member.isfifo():
        return Entry("fifo", mode, uid, gid), None
    contents.problems.append(f"{label}: {path}: an entry of unknown type {member.type!r}")
    return None, None


def _hash(handle: IO[bytes] | None, kept: bool, path: str, contents: ImageContents) -> tuple[str, int, bytes | None]:
    digest = hashlib.sha256()
    size = 0
    buffer: list[bytes] | None = [] if kept else None
    if handle is not None:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            if buffer is not None:
                if size > _KEPT_LIMIT:
                    contents.problems.append(f"{path}: larger than {_KEPT_LIMIT >> 20} MiB: not read")
                    buffer = None
                else:
                    buffer.append(chunk)
    return digest.hexdigest(), size, (b"".join(buffer) if buffer is not None else None)

