"""Helpers the rules share: guards (mounts, SHELL, stages), option and cleanup rule
shapes, dependency manifests, the whole-context COPY."""
