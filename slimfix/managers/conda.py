"""conda, mamba and micromamba: the cleanup that empties their package cache (SF307)."""

from __future__ import annotations

# The cleanup each manager takes: conda's idiom, and the spelling the Jupyter images use for
# mamba (mamba 1 forwards it to conda, mamba 2 reads it itself); micromamba's own.
CLEANUP = {"conda": "{prog} clean -afy", "mamba": "{prog} clean --all -f -y",
           "micromamba": "{prog} clean --all --yes"}
