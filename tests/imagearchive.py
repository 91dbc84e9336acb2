"""Hand-made image archives for the certificate's tests: no builder needed."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path


def layer(*entries, gz: bool = False) -> bytes:
    """A layer tar. Each entry: ("file", name, bytes[, mode, uid, xattrs]), ("dir", name[, mode]),
    ("symlink", name, target), ("hardlink", name, target), ("whiteout", name),
    ("opaque", folder), ("chardev", name, major, minor), ("fifo", name)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tar:
        for kind, name, *rest in entries:
            info = tarfile.TarInfo(name)
            data = None
            if kind == "file":
                data = rest[0]
                info.size = len(data)
                info.mode = rest[1] if len(rest) > 1 else 0o644
                info.uid = info.gid = rest[2] if len(rest) > 2 else 0
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, rest[0] if rest else 0o755
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, rest[0]
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, rest[0]
            elif kind == "whiteout":
                folder, _, base = name.rpartition("/")
                info.name = f"{folder}/.wh.{base}" if folder else f".wh.{base}"
            elif kind == "opaque":
                info.name = f"{name.rstrip('/')}/.wh..wh..opq"
            elif kind == "chardev":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, rest[0], rest[1]
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            if kind == "file" and len(rest) > 3:
                info.pax_headers = {f"SCHILY.xattr.{k}": v for k, v in rest[3].items()}
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if gz else raw


def docker_archive(path: Path, layers: list[bytes], config: dict | None = None) -> Path:
    """A docker archive (what `docker save` and `buildah push docker-archive:` write)."""
    with tarfile.open(path, "w") as tar:
        names = []
        for n, data in enumerate(layers):
            name = f"{n:02d}/layer.tar"
            _add(tar, name, data)
            names.append(name)
        _add(tar, "config.json", json.dumps({"config": config or {}}).encode())
        _add(tar, "manifest.json", json.dumps([{"Config": "config.json", "Layers": names}]).encode())
    return path


def oci_layout(folder: Path, layers: list[bytes], config: dict | None = None) -> Path:
    """An OCI layout folder (what `buildah push oci:` writes), gzip layers allowed."""
    blobs = folder / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    manifest = {"config": blob(json.dumps({"config": config or {}}).encode()),
                "layers": [blob(data) for data in layers]}
    (folder / "index.json").write_text(json.dumps({"manifests": [blob(json.dumps(manifest).encode())]}))
    (folder / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return folder


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
