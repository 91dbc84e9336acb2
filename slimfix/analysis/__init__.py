"""What the Dockerfile means, one helper per question, used by every rule that asks it
(ruff's semantic model is the pattern: the rules ask, this package answers, and a guard
written here protects every rule family):

- ``stages``: which stages a stage is built from and which are built from it, which reach
  an image (``reaches_image``), the RUNs after an instruction, what a stage relies on;
- ``users``: the user, uid/gid and HOME each RUN runs as (``run_user``);
- ``variables``: ARG and ENV values at an instruction (``variables_at``, ``expand``,
  ``env_set``);
- ``shells``: the shell-form RUNs a POSIX shell runs (``shell_runs``, ``non_posix_shell``);
- ``mounts``: the cache and tmpfs mounts of a RUN (``cache_mount_targets``, ``mounted``);
- ``cache_fillers``: what earlier RUNs and COPYs put into a cache folder;
- ``cache_warming``: RUNs that fill a cache on purpose, or install into a writable bind mount;
- ``offline``: whether a RUN's commands work only from what a cache holds;
- ``later_reads``: what later RUNs read (apt installs that rely on earlier lists);
- ``sudo``: the elevation words before a command;
- ``context_copy``: the whole-context COPY, WORKDIR and destinations;
- ``official_images``, ``slim_variants``: Docker Hub's official images and their slim tags.

What each package manager is and does (its commands, files, caches, mounts) lives in
``slimfix.managers``.
"""
