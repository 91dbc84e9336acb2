"""slimfix: rewrite Dockerfiles for smaller images and better layer caching."""

__version__ = "0.1.0"
