"""RubyGems and Bundler: ``bundle install`` reads Gemfile and Gemfile.lock (SF201); where
RubyGems and Bundler keep their files, as far as a Dockerfile says (SF308, SF608)."""

from __future__ import annotations

import re

from ..buildcontext import BuildContext
from ..syntax import Instruction
from ..rules.base import RuleContext
from ..analysis.official_images import official_image
from ..analysis.stages import ancestors
from .files import Manifests, manifest_and_lock
from .install import Install

PROGRAM = "bundle"


def recognise(prog: str, rest: list[str]) -> Install | None:
    if prog == "bundle" and rest[:1] == ["install"]:
        return Install("bundler", ["Gemfile", "Gemfile.lock"])
    return None


def _gemfile_problem(path: str, text: str) -> str | None:
    if re.search(r"^\s*gemspec\b|\bpath:|^\s*path\s|\bfile:|File\.", text, re.M):
        return f"{path} uses local paths (gemspec, path:, file:)"
    return None


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    manifest_and_lock(cwd, context, found, "Gemfile", "Gemfile.lock", _gemfile_problem)


READERS = {"bundler": read_manifests}

# The official ruby image: GEM_HOME=/usr/local/bundle (created writable by every user) and
# BUNDLE_APP_CONFIG=$GEM_HOME, so that a `.bundle/config` in the project does not move the
# install. Before ruby 2.6 (2018) the images also set BUNDLE_PATH, under which Bundler may
# lay gems out per Ruby version.
OFFICIAL_GEM_HOME = "/usr/local/bundle"
# Anything in the Dockerfile that moves where Bundler installs, or configures it.
BUNDLER_MOVES = re.compile(r"\b(GEM_HOME|GEM_PATH|BUNDLE_PATH|BUNDLE_DEPLOYMENT|BUNDLE_APP_CONFIG|BUNDLE_USER_HOME"
                           r"|BUNDLE_GLOBAL_GEM_CACHE|BUNDLE_SYSTEM|BUNDLE_STANDALONE)\b|\bbundle\s+config\b"
                           r"|\.bundle/config\b|\bgemrc\b")
# Commands that read the .gem files of the gem cache.
READS_GEM_CACHE = re.compile(r"(^|\s)--(local|prefer-local)\b|\bbundle\s+(cache|package|pack|pristine)\b"
                             r"|\bgem\s+pristine\b")


def official_ruby(ctx: RuleContext, inst: Instruction) -> str | None:
    """Why the stage of ``inst`` is not known to be built from the official ruby image, 2.6
    or later (or an unversioned tag); None when it is."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    if stage is None:
        return "the RUN is outside a stage"
    base = ancestors(doc, stage)[-1].base
    image = official_image(base)
    if image is None or image.name != "ruby":
        return "the stage is not built from the official ruby image, so the gem cache's place is not known"
    version = re.match(r"(\d+)(?:\.(\d+))?", image.tag)
    if version and (int(version.group(1)), int(version.group(2) or 0)) < (2, 6):
        return "ruby images before 2.6 set BUNDLE_PATH, under which the gem cache's place depends on Bundler"
    return None


# --- its caches (SF308, SF608) -----------------------------------------------------------
GEM_CACHE = f"{OFFICIAL_GEM_HOME}/cache"  # the official image's, where SF308 empties it
KNOWN_TARGETS = (f"{OFFICIAL_GEM_HOME}/cache",)
MOUNT_MARKERS = (".bundle/cache", "bundle/cache", "gem/cache", "gems/cache")
OFFLINE_OPTIONS = ("--local",)
LOOKS_LIKE = re.compile(r"\b(gem|bundler?)\s+(-\S+\s+)*install\b")
