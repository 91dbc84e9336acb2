"""``slimfix verify``: build before and after the fixes and compare (slimfix.imagelab)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run(path: Path, *, context: Path | None, builder: str, edit: str | None, keep: bool,
        unsafe_fixes: bool, output_format: str, select: list[str] | None = None, ignore: list[str] | None = None,
        dependency_edit: bool = True, manifest: str | None = None, dependency: str | None = None,
        against: Path | None = None, noise_build: bool = True, smoke: str | None = None) -> int:
    from ..buildcontext import ContextResolver
    from ..config import Config, ConfigError, find_config, load_config
    from ..imagelab.builders import BuilderError, find_builder
    from ..imagelab.verify import render_text, verify
    from ..rules import select_rules

    try:
        found = find_config(Path.cwd())
        cfg = load_config(found) if found else Config()
        rules = select_rules(select or cfg.select, (ignore or []) + (cfg.ignore or []) or None)
        chosen = find_builder(builder)
    except (BuilderError, ConfigError, ValueError) as exc:
        sys.stderr.write(f"slimfix verify: {exc}\n")
        return 2
    build_context = ContextResolver(context, cfg).resolve(path).context
    def progress(message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    result = verify(path, build_context, chosen, edit=edit, keep=keep, rules=rules,
                    unsafe_fixes=unsafe_fixes or bool(cfg.unsafe_fixes), dependency=dependency_edit,
                    manifest=manifest, dependency_line=dependency, progress=progress, against=against,
                    noise_build=noise_build, smoke=smoke)
    if output_format == "json":
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    elif output_format == "markdown":
        from ..imagelab.certificate_text import markdown

        sys.stdout.write(markdown(result))
    else:
        sys.stdout.write(render_text(result))
    failed = any(s.cold is not None and not s.cold.ok for _, s in result.sides())
    if failed or result.slimfix_bug:
        return 2
    return 1 if result.uncertified or result.smoke_differs else 0
