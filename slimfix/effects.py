"""What a rule's fix does to the built image, declared next to the rule's documentation.

``slimfix verify`` builds the original and the rewrite and compares their files and
settings; each difference must be one that a fired rule declared, or the certificate calls
it unexplained. A declaration is therefore a promise about the image, not about the
Dockerfile's text: declare the least that is true, since whatever a declaration covers
the certificate stops questioning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Effect:
    """``removes``: paths the fix keeps out of the image, as globs (``*`` within a name,
    ``**`` any depth, ``~`` each user's home folder as the image's /etc/passwd and HOME say);
    the folders that existed only to hold them go too.
    ``packages``: the files of the packages the original installed and the rewrite does not
    (read from the package databases of both images), those databases' own records, and
    what those packages' installation scripts made in system folders (a group of its own).
    ``base``: the base image changes: the files of every package whose presence or version
    differs, the package databases, and the settings a base image sets (Env).
    ``mounts``: everything under the target of each cache mount the rewrite adds stays in
    the mount, out of the image.
    ``ignored``: the files the new ``.dockerignore`` lines keep out of the build context,
    wherever a COPY put them.
    ``mount_points``: the mount point of each bind mount the rewrite adds, as an empty file
    or folder: buildah (1.28) leaves it in the image where the mount was; BuildKit removes
    it."""

    description: str
    removes: tuple[str, ...] = ()
    packages: bool = False
    base: bool = False
    mounts: bool = False
    ignored: bool = False
    mount_points: bool = False

    @property
    def changes_nothing(self) -> bool:
        return not (self.removes or self.packages or self.base or self.mounts or self.ignored or self.mount_points)

    def documentation(self) -> str:
        """The rule documentation's "Effect on the image" section."""
        text = f"The fix {self.description}"
        if self.removes:
            text += ": " + ", ".join(f"`{p}`" for p in self.removes)
        if self.mount_points:
            text += (". A builder that leaves a bind mount's mount point behind (buildah 1.28; BuildKit "
                     "removes it) adds an empty file or folder where the mount was")
        return text + (". `slimfix verify` certifies that the rewrite's image differs from the original's "
                       "by no more than this.")


NO_FILE_CHANGE = Effect("changes no file and no setting of the image")
