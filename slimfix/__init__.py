"""slimfix: rewrite Dockerfiles for smaller images and better layer caching.

``slimfix.parse(text)`` gives the lossless model; ``slimfix.fix(text)`` the fixed text
and the findings. Both are imported on first use, so ``import slimfix`` stays cheap.
"""

from __future__ import annotations

__version__ = "0.2.0"
# Where the project is published (its repository's web address), or None while it has no
# public home: then no report, diagnostic or hover links anywhere (the rules' documentation
# ships in the package: `slimfix explain CODE`). The one place to set it.
HOME: str | None = None
__all__ = ["__version__", "fix", "parse"]


def __getattr__(name: str):
    if name in ("parse", "fix"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'slimfix' has no attribute {name!r}")
