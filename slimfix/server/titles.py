"""Code action titles that say what the edit does, as ruff's do ("Remove unused import"),
with the rule's code after the tool's name: ``slimfix (SF102): Remove the apt lists at
the end of this RUN``. The rule's name says what is wrong; the title says what a click
will change."""

from __future__ import annotations

from ..fixes import Applicability, FileChange, Finding

# One line per rule that offers fixes: what its fix does to the file.
FIX_TITLES = {
    "SF101": "Merge apt-get update and the installs after it into one RUN",
    "SF102": "Remove the apt lists at the end of this RUN",
    "SF103": "Install without recommended packages (--no-install-recommends)",
    "SF201": "Copy the dependency manifests before the install, the rest of the source after it",
    "SF202": "Move `COPY .` below the instructions that do not need the source",
    "SF301": "Add --no-cache-dir to pip install",
    "SF302": "Add --no-cache to apk add",
    "SF303": "Clean the package cache at the end of this RUN",
    "SF304": "Clean the npm or yarn cache at the end of this RUN",
    "SF305": "Add --no-document to gem install",
    "SF306": "Remove the separate `RUN apk update`",
    "SF307": "Add `conda clean -afy` to this RUN",
    "SF308": "Remove the gem cache at the end of this RUN",
    "SF309": "Add `pnpm store prune` to this RUN",
    "SF501": "Switch the base image to its slim variant",
    "SF502": "Split the final stage into a build stage and a slim runtime stage",
    "SF503": "Replace ADD with COPY",
    "SF601": "Keep apt's lists and packages in a BuildKit cache mount on this RUN",
    "SF602": "Keep the Python package cache in a BuildKit cache mount on this RUN",
    "SF603": "Keep the JavaScript package cache in a BuildKit cache mount on this RUN",
    "SF604": "Keep Go's module and build caches in BuildKit cache mounts on this RUN",
    "SF605": "Keep apk's cache in a BuildKit cache mount on this RUN",
    "SF606": "Keep the package manager's cache in a BuildKit cache mount on this RUN",
    "SF607": "Keep cargo's downloads in BuildKit cache mounts on this RUN",
    "SF608": "Keep the gem downloads in a BuildKit cache mount on this RUN",
    "SF609": "Keep Composer's cache in a BuildKit cache mount on this RUN",
    "SF610": "Keep the build tool's downloads in BuildKit cache mounts on this RUN",
    "SF701": "Set the owner and mode in the COPY instead of a recursive chown or chmod",
    "SF702": "Delete the files in the RUN that created them",
    "SF703": "Bind-mount the archive into the RUN that unpacks it instead of copying it",
}

_SHOWN_ENTRIES = 3


def fix_title(f: Finding) -> str:
    what = change_title(f.file_change) if f.file_change is not None and f.fix is None else \
        FIX_TITLES.get(f.code, f"Apply the fix for {f.code}")
    title = f"slimfix ({f.code}): {what}"
    if f.applicability is not Applicability.SAFE:
        title += f" ({f.applicability} fix)"
    return title


def change_title(change: FileChange) -> str:
    """``Create .dockerignore excluding .git, .env`` or ``Add node_modules to .dockerignore``."""
    name = change.path.name
    old = set((change.before or "").splitlines())
    added = [line.strip() for line in change.after.splitlines()
             if line.strip() and not line.lstrip().startswith("#") and line not in old]
    shown = ", ".join(added[:_SHOWN_ENTRIES]) + (f" and {len(added) - _SHOWN_ENTRIES} more"
                                                 if len(added) > _SHOWN_ENTRIES else "")
    if change.before is None:
        return f"Create {name} excluding {shown}" if shown else f"Create {name}"
    return f"Add {shown} to {name}" if shown else f"Update {name}"


def ignore_title(code: str) -> str:
    return f"slimfix ({code}): Ignore for this instruction (a comment above it)"


def fix_all_title(threshold: Applicability) -> str:
    which = "safe and unsafe" if threshold <= Applicability.UNSAFE else "safe"
    return f"slimfix: Apply every {which} fix in this file"
