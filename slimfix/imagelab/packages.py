"""Which packages an image has installed, and which files each owns: read from the
package databases inside the image (dpkg's status and ``info/*.list``, apk's installed
database), so a difference can be told as "the files of ``libldap-common``"."""

from __future__ import annotations

from dataclasses import dataclass, field

from .contents import ImageContents

# The package managers' own records: they change whenever the set of packages does.
DATABASE_PREFIXES = ("/var/lib/dpkg/", "/lib/apk/db/", "/var/lib/apt/extended_states",
                     "/var/cache/debconf/", "/etc/ld.so.cache", "/etc/alternatives/", "/usr/share/info/dir",
                     "/var/cache/apt/pkgcache.bin", "/var/cache/apt/srcpkgcache.bin")


@dataclass
class Packages:
    versions: dict[str, str] = field(default_factory=dict)  # name -> version
    owners: dict[str, set[str]] = field(default_factory=dict)  # path -> names

    def owned_by(self, path: str) -> set[str]:
        return self.owners.get(path, set())


def read_packages(contents: ImageContents) -> Packages:
    out = Packages()
    _dpkg(contents, out)
    _apk(contents, out)
    return out


def _dpkg(contents: ImageContents, out: Packages) -> None:
    status = contents.text("/var/lib/dpkg/status")
    for stanza in status.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Package" in fields and fields.get("Status", "").endswith(" installed"):
            out.versions[fields["Package"]] = fields.get("Version", "")
    for path in contents.texts:
        if path.startswith("/var/lib/dpkg/info/") and path.endswith(".list"):
            name = path[len("/var/lib/dpkg/info/"):-len(".list")].split(":", 1)[0]
            for owned in contents.text(path).splitlines():
                if owned.startswith("/"):
                    out.owners.setdefault(owned.rstrip("/") or "/", set()).add(name)


def _apk(contents: ImageContents, out: Packages) -> None:
    name = folder = ""
    for line in contents.text("/lib/apk/db/installed").splitlines():
        key, _, value = line.partition(":")
        if key == "P":
            name, folder = value, ""
        elif key == "V" and name:
            out.versions[name] = value
        elif key == "F":
            folder = value
            out.owners.setdefault("/" + folder, set()).add(name)
        elif key == "R" and name:
            out.owners.setdefault("/" + "/".join(p for p in (folder, value) if p), set()).add(name)


def package_database(path: str) -> bool:
    return path.startswith(DATABASE_PREFIXES)
