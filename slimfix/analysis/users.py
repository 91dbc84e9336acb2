"""Who runs a RUN, as far as the Dockerfile says: the last USER of its stage (or of the
stages it is built FROM), the uid and home of that user where the Dockerfile creates it
with an explicit uid, and HOME when an ENV sets it. Anything it cannot know is a reason,
never a guess: a cache mount owned by the wrong uid, or under the wrong home, breaks or
bloats the build."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

from ..shell import SimpleCommand
from ..shell.packages import program_words, through_sudo
from ..syntax import Instruction
from ..rules.base import RuleContext
from .official_images import hub_image
from .stages import ancestors
from .variables import expand, variables_at

# Official images whose default user is root (their USER is not set by the image).
_ROOT_BASES = {"python", "node", "golang", "debian", "ubuntu", "alpine", "fedora", "centos", "rockylinux",
               "almalinux", "amazonlinux", "oraclelinux", "ruby", "php", "rust", "buildpack-deps", "eclipse-temurin",
               "openjdk", "busybox", "archlinux", "opensuse/leap", "opensuse/tumbleweed", "composer", "maven",
               "gradle", "elixir", "erlang", "perl", "julia"}
# Users the official images create themselves: (image, user) -> (uid, gid, home)
_IMAGE_USERS = {("node", "node"): (1000, 1000, "/home/node")}


@dataclass(frozen=True)
class RunUser:
    name: str
    uid: int
    gid: int | None
    home: str
    home_created: bool = False  # the home directory exists, owned by the user
    # why ``home`` may not be the RUN's HOME (a base image's ENV HOME), None when it is
    home_unknown: str | None = None

    @property
    def root(self) -> bool:
        return self.uid == 0


def run_user(ctx: RuleContext, inst: Instruction) -> RunUser | str:
    """The user ``inst`` runs as, or why it cannot be known."""
    return ctx.memo(f"run-user:{inst.index}", lambda: _with_home_known(ctx, inst, _run_user(ctx, inst)))


def _user_set_before(ctx: RuleContext, inst: Instruction) -> bool:
    """Whether a USER comes before ``inst`` in its stage or the stages it is built FROM
    (the USER instructions are found once per file, then bisected)."""
    by_stage = ctx.memo("USER indexes by stage", lambda: _user_indexes(ctx))
    stage = ctx.doc.stage_of(inst)
    return stage is not None and any(
        bisect.bisect_left(by_stage.get(s.index, []), inst.index) > 0 for s in ancestors(ctx.doc, stage))


def _user_indexes(ctx: RuleContext) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for o in ctx.doc.instructions:
        if o.keyword == "USER":
            out.setdefault(o.stage, []).append(o.index)
    return out


def image_environment_unknown(ctx: RuleContext, inst: Instruction) -> str | None:
    """Why the environment the base image gives ``inst`` is not known (None: it is): an
    image other than the official ones (and scratch) may set HOME, XDG_CACHE_HOME or a
    tool's own cache variable (PIP_CACHE_DIR...) with ENV, which the Dockerfile does not
    show. Only what the Dockerfile sets itself is then known."""
    stage = ctx.doc.stage_of(inst)
    if stage is None:
        return "the RUN is outside a stage"
    base = ancestors(ctx.doc, stage)[-1].base
    if base.lower() == "scratch" or _base_name(base) in _ROOT_BASES:
        return None
    return f"the base image {base} is not an official image and may set HOME, XDG_CACHE_HOME or the tool's cache folder"


def _with_home_known(ctx: RuleContext, inst: Instruction, user: RunUser | str) -> RunUser | str:
    if isinstance(user, str) or "HOME" in variables_at(ctx.doc, inst):
        return user  # an ENV HOME of the Dockerfile wins over the base image's
    why = image_environment_unknown(ctx, inst)
    return replace(user, home_unknown=why) if why else user


def not_root(ctx: RuleContext, inst: Instruction, commands: list[SimpleCommand]) -> str | None:
    """Why ``commands`` of ``inst`` may not run as root (None: they do): the RUN's user is
    not known to be root, or a command goes through ``sudo`` (so the user is not root, and
    a command a fix adds beside it would run unprivileged). Shared by every rule whose
    edit needs root: a removal under /etc or /var, a mount only root can write."""
    sudo = next((c for c in commands if through_sudo(c)), None)
    if sudo is not None:
        return f"`{sudo.text()}` runs through sudo: the RUN's user is not root"
    stage = ctx.doc.stage_of(inst)
    if stage is not None and not _user_set_before(ctx, inst):
        # the common case, asked of every apt RUN: no USER, so the base image's user
        base = ancestors(ctx.doc, stage)[-1].base
        if _base_name(base) in _ROOT_BASES:
            return None
        return f"the RUN's user is not known to be root (the base image {base} may set its own USER)"
    user = run_user(ctx, inst)
    if isinstance(user, str):
        return f"the RUN's user is not known to be root ({user})"
    if not user.root:
        return f"the RUN runs as {user.name}, not root"
    return None


def _base_name(ref: str) -> str | None:
    """The Docker Hub repository of ``ref`` under any spelling (``python``, ``opensuse/leap``)."""
    image = hub_image(ref)
    return image.name if image is not None else None


def _run_user(ctx: RuleContext, inst: Instruction) -> RunUser | str:
    doc = ctx.doc
    stage = doc.stage_of(inst)
    if stage is None:
        return "the RUN is outside a stage"
    chain = ancestors(doc, stage)
    members = {s.index for s in chain}
    base = chain[-1].base
    earlier = [o for o in doc.instructions if o.stage in members and o.index < inst.index]
    users = [o for o in earlier if o.keyword == "USER"]
    values = variables_at(doc, inst)
    home_env = values.get("HOME") if "HOME" in values else None
    if "HOME" in values and home_env is None:
        return "HOME is set from a value slimfix cannot read"
    if not users:
        if _base_name(base) not in _ROOT_BASES:
            return f"the base image {base} may set its own USER"
        return RunUser("root", 0, 0, home_env or "/root")
    raw = users[-1].values()[0] if users[-1].values() else ""
    value = expand(raw, variables_at(doc, users[-1]))
    if not value:
        return f"USER {raw} is set from a value slimfix cannot read"
    name, _, group = value.partition(":")
    gid = int(group) if group.isdigit() else None
    if name in ("root", "0"):
        return RunUser("root", 0, gid if group else 0, home_env or "/root")
    created = created_users(ctx, earlier)
    if name.isdigit():
        uid = int(name)
        match = next((u for u in created.values() if u[0] == uid), None)
        home = home_env or (match[2] if match else None)
        if home is None:
            return f"the home of uid {uid} is not known (set HOME with ENV, or create the user with -u)"
        created_home = bool(match and match[3] and home == match[2])
        return RunUser(name, uid, gid if gid is not None else (match[1] if match else None), home, created_home)
    if name in created:
        uid, cgid, home, made = created[name]
        if uid is None:
            return f"user {name} is created without an explicit uid (-u), so the uid of the cache is not known"
        return RunUser(name, uid, gid if gid is not None else cgid, home_env or home,
                       made and (home_env is None or home_env == home))
    image_user = _IMAGE_USERS.get((_base_name(base), name))
    if image_user is not None:
        uid, igid, home = image_user
        return RunUser(name, uid, gid if gid is not None else igid, home_env or home, home_env in (None, home))
    return f"user {name} is not created in this Dockerfile with an explicit uid, so the uid of the cache is not known"


def created_users(ctx: RuleContext, earlier: list[Instruction]) -> dict[str, tuple[int | None, int | None, str, bool]]:
    """name -> (uid, gid, home, whether the home directory is created) of the users
    ``useradd`` / ``adduser`` create."""
    out: dict[str, tuple[int | None, int | None, str, bool]] = {}
    for other in earlier:
        run = ctx.run(other)
        if run is None or run.unsupported:
            continue
        for cmd in run.commands():
            argv = program_words(cmd)
            if not argv or argv[0] is None:
                continue
            prog = argv[0].rsplit("/", 1)[-1]
            if prog not in ("useradd", "adduser"):
                continue
            parsed = _user_options(prog, argv[1:])
            if parsed is not None:
                name, uid, gid, home = parsed
                flags = {a for a in argv[1:] if a and a.startswith("-")}
                if prog == "useradd":
                    made = bool(flags & {"-m", "--create-home"}) or any(
                        f.startswith("-") and not f.startswith("--") and "m" in f[1:] and len(f) <= 4 for f in flags)
                else:  # adduser creates the home unless told not to (or for a system user)
                    made = not flags & {"-H", "--no-create-home", "-S", "--system"}
                out[name] = (uid, gid, home or f"/home/{name}", made)
    return out


_VALUE_OPTIONS = {
    # option -> meaning, for useradd and for Debian's and busybox's adduser
    "useradd": {"-u": "uid", "--uid": "uid", "-d": "home", "--home-dir": "home", "-g": "gid", "--gid": "gid",
                "-s": None, "--shell": None, "-c": None, "--comment": None, "-G": None, "--groups": None,
                "-k": None, "--skel": None, "-e": None, "-f": None, "-K": None, "-b": None, "--base-dir": None,
                "-p": None, "--password": None, "-R": None, "--root": None, "-Z": None},
    "adduser": {"-u": "uid", "--uid": "uid", "-h": "home", "--home": "home", "--gid": "gid", "-s": None,
                "--shell": None, "-g": None, "--gecos": None, "-G": None, "--ingroup": None, "-k": None,
                "--comment": None, "--firstuid": None, "--lastuid": None, "--conf": None},
}


def _user_options(prog: str, args: list[str | None]) -> tuple[str, int | None, int | None, str | None] | None:
    table = _VALUE_OPTIONS[prog]
    uid = gid = None
    home = None
    names = []
    i = 0
    while i < len(args):
        a = args[i]
        if a is None:
            return None
        key, eq, inline = a.partition("=")
        if a.startswith("-") and (key in table):
            value = inline if eq else (args[i + 1] if i + 1 < len(args) else None)
            i += 1 if eq else 2
            if value is None:
                return None
            what = table[key]
            if what == "uid":
                if not value.isdigit():
                    return None
                uid = int(value)
            elif what == "gid" and value.isdigit():
                gid = int(value)
            elif what == "home":
                home = value
            continue
        if a.startswith("-"):
            i += 1
            continue
        names.append(a)
        i += 1
    if not names:
        return None
    # Debian's adduser takes `adduser USER GROUP` to add a user to a group: not a creation.
    if prog == "adduser" and len(names) > 1:
        return None
    # useradd takes one name, last; a stray word before it is the value of combined flags (-ms /bin/sh)
    return names[-1], uid, gid, home
