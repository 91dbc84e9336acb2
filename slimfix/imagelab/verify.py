"""`slimfix verify`: build the original and the rewritten Dockerfile, and compare.

The build context is copied twice into a temporary folder (the user's files are never
touched). Each copy is built cold, measured, then a source file is edited in both copies
and both are rebuilt, to show which steps the edit invalidates. Images the run creates
are removed afterwards unless asked to keep them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .builders import BuildRun, BuilderError, ImageInfo
from ..buildcontext import BuildContext
from ..engine import fix_document
from ..fixes import Applicability
from ..rules import select_rules
from ..rules.common.context_copy import context_copy, source_path

_MANIFESTS = {"requirements.txt", "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml",
              "go.mod", "go.sum", "Gemfile", "Gemfile.lock", "composer.json", "composer.lock",
              "pyproject.toml", "poetry.lock", "uv.lock", "setup.py", "setup.cfg", ".dockerignore"}
_SOURCES = (".py", ".js", ".ts", ".go", ".rb", ".php", ".java", ".rs", ".c", ".sh", ".html", ".css")


@dataclass
class Side:
    cold: BuildRun | None = None
    image: ImageInfo | None = None
    rebuild: BuildRun | None = None


@dataclass
class Verification:
    dockerfile: str
    builder: str
    edited: str | None
    fixes: list[str]
    before: Side = field(default_factory=Side)
    after: Side = field(default_factory=Side)
    problem: str | None = None  # why the comparison is incomplete
    slimfix_bug: bool = False  # the rewrite failed to build where the original built

    def to_json(self) -> dict:
        return asdict(self)


def pick_edit_file(dockerfile_text: str, context: Path, dockerfile: Path) -> str | None:
    """A source file that only the whole-context COPY brings in: not a manifest, not named by
    another COPY, not left out by .dockerignore; source code preferred."""
    from ..syntax import parse

    doc = parse(dockerfile_text)
    if not any(context_copy(i) for i in doc.instructions):
        return None
    named = {source_path(v) for i in doc.instructions if i.keyword in ("COPY", "ADD") and not context_copy(i)
             for v in i.values()[:-1]}
    build = BuildContext(context, dockerfile)
    candidates = []
    for root, dirs, files in os.walk(context):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules", "__pycache__", ".venv"))
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), context).replace(os.sep, "/")
            if f in _MANIFESTS or rel in named or any(rel.startswith(n + "/") for n in named if n):
                continue
            if not build.included(rel):
                continue
            candidates.append(rel)
    preferred = [c for c in candidates if c.endswith(_SOURCES)]
    return (preferred or candidates or [None])[0]


def verify(dockerfile: Path, context: Path, builder, *, edit: str | None = None, keep: bool = False,
           unsafe_fixes: bool = False, rules: list | None = None) -> Verification:
    """``rules``: the rules whose fixes make the rewritten side (default: all)."""
    text = dockerfile.read_bytes().decode("utf-8")
    threshold = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    outcome = fix_document(text, list(rules or select_rules()), threshold=threshold, path=dockerfile,
                           context_dir=context)
    result = Verification(str(dockerfile), builder.name, None, sorted({f.code for f in outcome.applied}))
    if not outcome.changed:
        result.problem = "slimfix changes nothing in this Dockerfile: nothing to compare"
        return result
    edit = edit or pick_edit_file(text, context, dockerfile)
    result.edited = edit
    tag = f"localhost/slimfix-verify-{uuid.uuid4().hex[:10]}"
    before_ids = builder.image_ids()
    tmp = Path(tempfile.mkdtemp(prefix="slimfix-verify-"))
    try:
        sides = {}
        for name, content in (("before", text), ("after", outcome.output)):
            copy_dir = tmp / name / "context"
            shutil.copytree(context, copy_dir, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            df = tmp / name / "Dockerfile"
            df.write_bytes(content.encode("utf-8"))
            sides[name] = (copy_dir, df)
        for change in outcome.file_changes:  # .dockerignore, in the rewritten copy only
            rel = os.path.relpath(change.path, context)
            (sides["after"][0] / rel).write_bytes(change.after.encode("utf-8"))
        for name, side in (("before", result.before), ("after", result.after)):
            copy_dir, df = sides[name]
            side.cold = builder.build(df, copy_dir, f"{tag}-{name}")
            if not side.cold.ok:
                if name == "after" and result.before.cold and result.before.cold.ok:
                    result.slimfix_bug = True
                    result.problem = "the rewritten Dockerfile failed to build where the original built"
                elif result.problem is None:
                    result.problem = f"the {name} build failed: {_last_error(side.cold.log_tail)}"
                continue
            side.image = builder.info(f"{tag}-{name}")
        if result.problem is None and edit is not None:
            for name, side in (("before", result.before), ("after", result.after)):
                copy_dir, df = sides[name]
                target = copy_dir / edit
                with open(target, "ab") as fh:
                    fh.write(b"\n")
                side.rebuild = builder.build(df, copy_dir, f"{tag}-{name}")
        elif edit is None and result.problem is None:
            result.problem = "no whole-context COPY: a source edit invalidates nothing to compare"
    except (OSError, BuilderError) as exc:
        result.problem = str(exc)
    finally:
        if not keep:
            builder.remove(builder.image_ids() - before_ids)
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _last_error(log: str) -> str:
    lines = [line for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1].strip()[:200]


def render_text(v: Verification) -> str:
    lines = [f"{v.dockerfile}: built with {v.builder}; fixes applied: {', '.join(v.fixes) or 'none'}"]
    if v.slimfix_bug:
        lines.append("SLIMFIX BUG: the rewritten Dockerfile failed to build where the original built.")
        lines.append("Please report it, with this log:")
        lines.append(v.after.cold.log_tail if v.after.cold else "")
        return "\n".join(lines) + "\n"
    rows = [("", "before", "after", "change")]

    def mb(n):
        return f"{n / 1e6:.1f} MB" if isinstance(n, int) else "-"

    def delta(a, b, unit=" MB", scale=1e6):
        return f"{(b - a) / scale:+.1f}{unit}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) else "-"

    bi, ai = v.before.image, v.after.image
    if bi and ai:
        rows.append(("image size", mb(bi.size), mb(ai.size), delta(bi.size, ai.size)))
        rows.append(("compressed", mb(bi.compressed), mb(ai.compressed), delta(bi.compressed, ai.compressed)))
        rows.append(("layers", str(bi.layers), str(ai.layers), f"{ai.layers - bi.layers:+d}"))
    bc, ac = v.before.cold, v.after.cold
    if bc and ac and bc.ok and ac.ok:
        rows.append(("cold build", f"{bc.seconds:.1f} s", f"{ac.seconds:.1f} s", delta(bc.seconds, ac.seconds, " s", 1)))
    br, ar = v.before.rebuild, v.after.rebuild
    if br and ar:
        rows.append((f"rebuild after editing {v.edited}", f"{br.seconds:.1f} s", f"{ar.seconds:.1f} s",
                     delta(br.seconds, ar.seconds, " s", 1)))
        rows.append(("steps re-run", str(len(br.ran)), str(len(ar.ran)), f"{len(ar.ran) - len(br.ran):+d}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if br and ar:
        lines.append(f"re-run before: {'; '.join(s[:50] for s in br.ran) or 'nothing'}")
        lines.append(f"re-run after:  {'; '.join(s[:50] for s in ar.ran) or 'nothing'}")
    for name, side in (("before", v.before), ("after", v.after)):
        if side.cold and not side.cold.ok:
            lines.append(f"the {name} build failed; its log ends with:\n{side.cold.log_tail}")
    if v.problem:
        lines.append(f"note: {v.problem}")
    return "\n".join(lines) + "\n"
