"""The differences between two images: the paths one has and the other lacks, the paths
whose kind, content, mode, owner or link target differ, and the settings that differ.
Modification times are never compared: every build writes new ones."""

from __future__ import annotations

from dataclasses import dataclass

from .contents import SETTINGS, Entry, ImageContents


@dataclass(frozen=True)
class Difference:
    path: str
    change: str  # added, removed, changed
    before: Entry | None
    after: Entry | None
    fields: tuple[str, ...] = ()  # what changed: kind, content, mode, owner, target, device, xattrs

    @property
    def bytes(self) -> int:
        """The bytes this difference weighs: what was removed or added, or the growth."""
        a = self.before.size if self.before else 0
        b = self.after.size if self.after else 0
        return a if self.change == "removed" else b if self.change == "added" else abs(b - a)

    def describe(self) -> str:
        if self.change != "changed":
            entry = self.before if self.change == "removed" else self.after
            kind = "" if entry is None or entry.kind == "file" else f" ({entry.kind})"
            return f"{self.change}{kind}"
        return "changed " + ", ".join(self.fields)


@dataclass(frozen=True)
class SettingDifference:
    name: str
    before: object
    after: object


def entry_fields(a: Entry, b: Entry) -> tuple[str, ...]:
    out = []
    if a.kind != b.kind:
        out.append("kind")
    if (a.digest, a.size) != (b.digest, b.size):
        out.append("content")
    if a.mode != b.mode:
        out.append("mode")
    if (a.uid, a.gid) != (b.uid, b.gid):
        out.append("owner")
    if a.target != b.target:
        out.append("target")
    if a.device != b.device:
        out.append("device")
    if a.xattrs != b.xattrs:
        out.append("xattrs")
    return tuple(out)


def compare_files(before: ImageContents, after: ImageContents) -> list[Difference]:
    out = []
    for path in sorted(before.files.keys() | after.files.keys()):
        a, b = before.files.get(path), after.files.get(path)
        if a is None:
            out.append(Difference(path, "added", None, b))
        elif b is None:
            out.append(Difference(path, "removed", a, None))
        else:
            changed = entry_fields(a, b)
            if changed:
                out.append(Difference(path, "changed", a, b, changed))
    return out


def compare_settings(before: ImageContents, after: ImageContents) -> list[SettingDifference]:
    return [SettingDifference(name, before.settings.get(name), after.settings.get(name)) for name in SETTINGS
            if _normal_setting(before.settings.get(name)) != _normal_setting(after.settings.get(name))]


def _normal_setting(value: object) -> object:
    """An empty list, map or string is the same setting as none at all."""
    return None if value in (None, [], {}, "") else value
