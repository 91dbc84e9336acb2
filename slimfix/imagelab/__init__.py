"""Building images for ``slimfix verify``: the builders (docker, podman, buildah) and the
before/after comparison."""
