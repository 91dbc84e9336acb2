"""Measure slimfix on the demo projects with real builds; write docs/images.md and .svg.

    . ../shared/tools/image-lab/env.sh     # or any machine with docker, podman or buildah
    python bench/images/run.py [--base python:3.12=python:3.11-slim ...] [--builder auto] [--select ALL,SF6]

For each project in fixtures/demo/, runs `slimfix verify` (the project is copied first;
`--base OLD=NEW` swaps base images for ones the builder has, as the image lab's stand-ins)
and writes the results table into docs/images.md (between its `demos` markers) and a bar chart of image size and rebuild
time to docs/images.svg. A project whose base image cannot be had is listed as skipped.
With `--select ALL,SF6` each project is also built with the opt-in cache mounts, and the
rebuild after a dependency edit is measured for all three images.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from slimfix.imagelab.builders import find_builder  # noqa: E402
from slimfix.imagelab.verify import verify  # noqa: E402
from slimfix.rules import select_rules  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from markdown_block import splice  # noqa: E402


def run(args) -> list[dict]:
    builder = find_builder(args.builder)
    swaps = dict(s.split("=", 1) for s in args.base)
    rows = []
    for project in sorted(p for p in (ROOT / "fixtures" / "demo").iterdir() if (p / "Dockerfile").is_file()):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / project.name
            shutil.copytree(project, copy)
            text = (copy / "Dockerfile").read_text()
            for old, new in swaps.items():
                text = re.sub(rf"(?m)^(FROM\s+(?:--\S+\s+)*){re.escape(old)}(\s|$)", rf"\g<1>{new}\g<2>", text)
            (copy / "Dockerfile").write_text(text)
            print(f"verifying {project.name} ...", file=sys.stderr)
            v = verify(copy / "Dockerfile", copy, builder, rules=select_rules(args.select) if args.select else None,
                       progress=lambda m: print("  " + m, file=sys.stderr))
        row = {"project": project.name, "fixes": ", ".join(v.fixes), "problem": v.problem}
        if v.before.image and v.after.image:
            row.update(size_before=v.before.image.size, size_after=v.after.image.size,
                       gz_before=v.before.image.compressed, gz_after=v.after.image.compressed,
                       layers_before=v.before.image.layers, layers_after=v.after.image.layers,
                       edited=v.edited)
        if v.mounts is not None and v.mounts.image:
            row.update(size_mounts=v.mounts.image.size, mount_fixes=", ".join(v.mount_fixes))
        if v.mounts is not None and v.mounts.rebuild and v.after.rebuild:
            row.update(src_after=v.after.rebuild.seconds, src_mounts=v.mounts.rebuild.seconds)
        if v.before.dependency and v.after.dependency:
            row.update(dep_before=v.before.dependency.seconds, dep_after=v.after.dependency.seconds,
                       dependency=v.dependency)
            if v.mounts is not None and v.mounts.dependency:
                row.update(dep_mounts=v.mounts.dependency.seconds)
        if v.before.rebuild and v.after.rebuild:
            row.update(rebuild_before=v.before.rebuild.seconds, rebuild_after=v.after.rebuild.seconds,
                       ran_before=len(v.before.rebuild.ran), ran_after=len(v.after.rebuild.ran))
        rows.append(row)
    return rows


def _mb(n) -> str:
    return f"{n / 1e6:.1f} MB" if isinstance(n, int) else "-"


def table(rows: list[dict], command: str, builder: str) -> str:
    out = [f"Measured with `{command}` ({builder}). Each project is built as it is and as",
           "`slimfix --write` leaves it; then a source file is edited and both are rebuilt.\n",
           "| project | fixes | image size before → after | compressed | layers | rebuild after a source edit (steps re-run) |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        if "size_before" not in r:
            out.append(f"| {r['project']} | {r['fixes'] or '-'} | skipped: {r['problem']} | | | |")
            continue
        rebuild = f"not measured: {r['problem']}" if r.get("problem") else "-"
        if "rebuild_before" in r:
            rebuild = (f"{r['rebuild_before']:.1f} s ({r['ran_before']}) → {r['rebuild_after']:.1f} s "
                       f"({r['ran_after']}), editing `{r['edited']}`")
        out.append(f"| {r['project']} | {r['fixes']} | {_mb(r['size_before'])} → {_mb(r['size_after'])} | "
                   f"{_mb(r['gz_before'])} → {_mb(r['gz_after'])} | {r['layers_before']} → {r['layers_after']} | "
                   f"{rebuild} |")
    out.append("\n![image size and rebuild time, before and after](images.svg)\n")
    deps = [r for r in rows if "dep_before" in r]
    if deps:
        out += ["\n## Rebuild after a dependency edit, with cache mounts (SF6xx)\n",
                "`slimfix verify` adds one dependency (a requirement, or a package to the `apt-get install`) "
                "and rebuilds the original, the rewrite (default rules) and the rewrite with the opt-in cache "
                "mounts; the cache mounts were warmed by the cold build, as on a developer's machine. "
                "A cache mount saves the download (apt: the lists and the .deb files; pip, npm: the "
                "packages), not the unpacking and installing nor the commit of the new layer: its gain "
                "grows with the download time, small where the mirror is fast.\n",
                "| project | dependency added | original | rewrite | with cache mounts | speed-up over the rewrite "
                "| image: rewrite → with cache mounts | source edit: rewrite → with cache mounts |",
                "|---|---|---|---|---|---|---|---|"]
        for r in deps:
            mounts = r.get("dep_mounts")
            speed = f"{r['dep_after'] / mounts:.1f}x" if mounts else "-"
            out.append(f"| {r['project']} | {r['dependency']} | {r['dep_before']:.1f} s | {r['dep_after']:.1f} s | "
                       f"{f'{mounts:.1f} s' if mounts else '-'} ({r.get('mount_fixes') or 'no mount'}) | {speed} | "
                       f"{_mb(r['size_after'])} → {_mb(r.get('size_mounts'))} | "
                       + (f"{r['src_after']:.1f} s → {r['src_mounts']:.1f} s |" if "src_mounts" in r else "- |"))
    return "\n".join(out)


def chart(rows: list[dict]) -> str:
    """Two panels of grouped bars: image size (MB) and rebuild time (s); a project without
    a measure in a panel is left out of that panel only."""
    panel_w, bar_w, gap, height, top_pad = 320, 28, 40, 200, 40
    base_y = top_pad + height
    width = 2 * panel_w + 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{base_y + 60}" '
             'font-family="sans-serif" font-size="12">',
             '<rect width="100%" height="100%" fill="white"/>']
    panels = (("size", 1e6, "image size (MB)"), ("rebuild", 1, "rebuild after a source edit (s)"))
    for p, (key, scale, title) in enumerate(panels):
        x0 = 30 + p * (panel_w + 30)
        shown = [(r, r[f"{key}_before"] / scale, r[f"{key}_after"] / scale) for r in rows if f"{key}_before" in r]
        peak = max([v for _, a, b in shown for v in (a, b)] + [1])
        parts.append(f'<text x="{x0}" y="18" font-weight="bold">{title}</text>')
        parts.append(f'<line x1="{x0}" y1="{base_y}" x2="{x0 + panel_w}" y2="{base_y}" stroke="#444"/>')
        for i, (r, before, after) in enumerate(shown):
            gx = x0 + 10 + i * (2 * bar_w + gap)
            for j, (v, colour) in enumerate(((before, "#c0504d"), (after, "#4f81bd"))):
                h = v / peak * height
                x = gx + j * bar_w
                parts.append(f'<rect x="{x}" y="{base_y - h:.1f}" width="{bar_w - 4}" height="{h:.1f}" fill="{colour}"/>')
                parts.append(f'<text x="{x + (bar_w - 4) / 2}" y="{base_y - h - 4:.1f}" text-anchor="middle" '
                             f'font-size="10">{v:.1f}</text>')
            parts.append(f'<text x="{gx + bar_w}" y="{base_y + 16}" text-anchor="middle">{r["project"]}</text>')
    parts.append(f'<rect x="30" y="{base_y + 32}" width="12" height="12" fill="#c0504d"/>'
                 f'<text x="48" y="{base_y + 42}">before</text>'
                 f'<rect x="110" y="{base_y + 32}" width="12" height="12" fill="#4f81bd"/>'
                 f'<text x="128" y="{base_y + 42}">after slimfix --write</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", action="append", default=[], metavar="OLD=NEW")
    ap.add_argument("--builder", default="auto")
    ap.add_argument("--select", action="append", default=[], metavar="CODES",
                    help="rules for the rewrite (ALL,SF6: also build with the cache mounts)")
    args = ap.parse_args()
    args.select = [c for v in args.select for c in v.split(",") if c]
    rows = run(args)
    command = "python bench/images/run.py " + " ".join(f"--base {b}" for b in args.base)
    command += "".join(f" --select {c}" for c in [",".join(args.select)] if c)
    builder = find_builder(args.builder).name
    command += " --builder " + args.builder if args.builder != "auto" else ""
    splice(ROOT / "docs" / "images.md", "demos", table(rows, command.strip(), builder),
           heading="## The demo projects")
    (ROOT / "docs" / "images.svg").write_text(chart(rows))
    print((ROOT / "docs" / "images.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
