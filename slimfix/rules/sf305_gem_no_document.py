from __future__ import annotations

import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand, Token
from ..shell.packages import program_words, subcommand_token
from ..syntax import Instruction
from .base import Finding, Rule, RuleContext
from .common.cleanup import run_text
from .common.options import has_word, missing_option
from ..analysis.stages import tool_too_old

# Options that already say what to do about documentation (RubyGems 2+: --[no-]document,
# -N; RubyGems 1.x: --[no-]ri, --[no-]rdoc).
_DOC_OPTIONS = ("--no-document", "-N", "--document", "--no-ri", "--no-rdoc", "--ri", "--rdoc")

# Distributions whose packaged RubyGems predates 2.0, which added --no-document (ubuntu 14.04:
# 1.8.23, debian wheezy: 1.8.24, centos 6: 1.3.7): the option would make gem fail.
_ANCIENT = re.compile(r"^(?:ubuntu:(?:10\.04|12\.04|14\.04|lucid|precise|trusty)"
                      r"|debian:(?:6|7|squeeze|wheezy)|centos:(?:5|6)|ruby:1\."
                      r"|buildpack-deps:(?:trusty|wheezy|precise))(?:[-.@].*)?$")
_UPGRADES_GEMS = re.compile(r"\bgem[\d.]*\s+update\s+(?:\S+\s+)*?--system\b|\bsetup\.rb\b")


class GemNoDocument(Rule):
    """
    ## What it does
    Adds `--no-document` to `gem install`.

    ## Why is this bad?
    Without it, RubyGems generates the ri and RDoc documentation of every gem it installs
    (and of their dependencies) into the gem directory, where it is stored in the layer:
    often several times the size of the gems themselves, and slow to build.

    ## Example
    ```dockerfile
    RUN gem install bundler rails
    ```

    ## Use instead
    ```dockerfile
    RUN gem install --no-document bundler rails
    ```

    ## Fix safety
    Safe: `--no-document` (RubyGems 2.0 and later) only skips the documentation; the gems
    install the same. The rule is silent when the command already says what to do about
    documentation (`--no-document`, `-N`, `--document`, the older `--no-ri`/`--no-rdoc`).
    It is silent on the distributions whose packaged RubyGems predates 2.0 (ubuntu 14.04
    and older, debian wheezy and older, centos 6 and older, `ruby:1.x`), where the option
    would make `gem install` fail, unless an earlier RUN ran `gem update --system`. A
    `gemrc` that sets `--no-document` (the official `ruby` images have one) makes the
    option redundant, not wrong: the rule still adds it, which keeps the Dockerfile right
    on any base.
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above a cache directory), the rule is silent.
    """

    code = "SF305"
    triggers = ("gem",)
    name = "gem-no-document"
    effect = Effect("removes the gems' generated documentation",
                    removes=("/usr/local/bundle/doc/**", "/usr/local/lib/ruby/gems/*/doc/**", "/var/lib/gems/*/doc/**",
                             "~/.gem/ruby/*/doc/**", "~/.local/share/gem/ruby/*/doc/**"))
    summary = "Install Ruby gems without generating their documentation"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        return missing_option(self, ctx, _gem_install, "--no-document",
                              "gem install without --no-document stores the gems' documentation in the layer",
                              exempt=lambda inst: _ancient_rubygems(ctx, inst) or _documented(inst),
                              looks_like=re.compile(r"\bgem\s+(-\S+\s+)*install\b"), image_only=True)


def _gem_install(cmd: SimpleCommand) -> Token | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "gem":
        return None
    if has_word(cmd, *_DOC_OPTIONS):
        return None
    return subcommand_token(cmd, {"install"})


def _documented(inst: Instruction) -> bool:
    """The RUN's text names a documentation option (a guess for a shell not read)."""
    return any(re.search(rf"(^|\s){re.escape(o)}(\s|=|$)", run_text(inst)) for o in _DOC_OPTIONS)


def _ancient_rubygems(ctx: RuleContext, inst: Instruction) -> bool:
    """The stage's RubyGems comes from a distribution older than RubyGems 2.0, and no earlier
    RUN of the stage (or of a stage it is built from) updated it."""
    return tool_too_old(ctx, inst, _ANCIENT, _UPGRADES_GEMS)
