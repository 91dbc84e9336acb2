"""Which build context each Dockerfile is built with.

In order: ``--context``; the config's ``contexts`` table; a compose file (compose.yaml,
docker-compose.yml and their variants) in the Dockerfile's directory or a parent, whose
service builds it (``build.context`` and ``build.dockerfile``); a simple docker-bake.hcl
doing the same; and finally the Dockerfile's own directory. Standard input with no file
name has no context unless ``--context`` gives one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config

_COMPOSE_VARIANT = re.compile(r"^(docker-)?compose(\.[\w-]+)*\.ya?ml$")
_BAKE_TARGET = re.compile(r'target\s+"[^"]*"\s*\{(.*?)\n\s*\}', re.S)
_HCL_STRING = re.compile(r'^\s*(context|dockerfile)\s*=\s*"([^"$]*)"\s*$', re.M)
_MAX_PARENTS = 12


@dataclass(frozen=True)
class Resolved:
    context: Path | None  # None: nothing to read (standard input without a file name)
    reason: str


@dataclass
class ContextResolver:
    cli_context: Path | None
    config: Config = field(default_factory=Config)
    declared: bool = True  # look for the config's table and compose and bake files
    _maps: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # dir -> {dockerfile: (context, source)}

    def resolve(self, dockerfile: Path | None) -> Resolved:
        """``dockerfile`` None is standard input without a name; a name whose directory
        does not exist (``--stdin-filename``) gets no context either."""
        if self.cli_context is not None:
            return Resolved(self.cli_context, "--context")
        if dockerfile is None or not dockerfile.parent.is_dir():
            return Resolved(None, "standard input")
        if not self.declared:
            return Resolved(dockerfile.parent, "the Dockerfile's directory")
        configured = self.config.context_for(dockerfile)
        if configured is not None:
            directory, glob = configured
            return Resolved(directory, f"config {self.config.path} (contexts '{glob}')")
        # Plain strings and one directory listing per directory: this runs in the main
        # process for every Dockerfile of a monorepo.
        target = os.path.abspath(dockerfile)
        directory = os.path.dirname(target)
        for _ in range(_MAX_PARENTS):
            mapping = self._declared_in(directory)
            if mapping and target in mapping:
                context, source = mapping[target]
                return Resolved(Path(context), source)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        return Resolved(dockerfile.parent, "the Dockerfile's directory")

    def _declared_in(self, directory: str) -> dict[str, tuple[str, str]]:
        found = self._maps.get(directory)
        if found is None:
            found = {}
            try:
                names = sorted(e.name for e in os.scandir(directory)
                               if _COMPOSE_VARIANT.match(e.name) or e.name == "docker-bake.hcl")
            except OSError:
                names = []
            for name in names:
                path = Path(directory, name)
                pairs = _bake(path) if name == "docker-bake.hcl" else _compose(path)
                for dockerfile, context in pairs:
                    found.setdefault(os.path.abspath(os.path.realpath(dockerfile)), (str(context), str(path)))
            self._maps[directory] = found
        return found


def _compose(path: Path) -> list[tuple[Path, Path]]:
    """(Dockerfile, context) pairs a compose file builds; a file that does not parse
    counts for nothing."""
    try:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:
        return []
    services = data.get("services") if isinstance(data, dict) else None
    out = []
    for service in (services or {}).values():
        build = service.get("build") if isinstance(service, dict) else None
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict):
            continue
        context = build.get("context", ".")
        if not isinstance(context, str) or "://" in context or context.startswith("git@") or "$" in context:
            continue
        root = (path.parent / context).resolve()
        dockerfile = build.get("dockerfile", "Dockerfile")
        if not isinstance(dockerfile, str) or "$" in dockerfile:
            continue
        out.append(((root / dockerfile).resolve(), root))
    return out


def _bake(path: Path) -> list[tuple[Path, Path]]:
    """Targets of a docker-bake.hcl with literal ``context`` and ``dockerfile``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for body in _BAKE_TARGET.findall(text):
        fields = dict(_HCL_STRING.findall(body))
        root = (path.parent / fields.get("context", ".")).resolve()
        out.append(((root / fields.get("dockerfile", "Dockerfile")).resolve(), root))
    return out
