"""Debian's and Ubuntu's images ship /etc/apt/apt.conf.d/docker-clean (written by
debuerreotype): its ``DPkg::Post-Invoke`` and ``APT::Update::Post-Invoke`` hooks run
``rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb
/var/cache/apt/*.bin`` after every dpkg run and every update, so a cache mount of
/var/cache/apt would never keep a package.

apt's ``-o`` cannot take that hook out for one command: it sets a value or appends to a
list (``-o DPkg::Post-Invoke::=...``), never clears one, and
``APT::Keep-Downloaded-Packages=true`` does not stop the hook's ``rm`` (checked with
``apt-config dump`` on apt 2.6). Removing the file, as Docker's documentation does, changes
the image for good: every image built from it keeps its downloaded packages. So SF601 sets
the file aside at the start of the RUN, and an EXIT trap puts it back when the RUN's shell
ends, whatever ends it (its last command, ``exit``, a failure under ``set -e``; the exit
status is kept): the image's apt configuration is what it was. The trap, rather than a
command appended to the RUN, also leaves the RUN's end to the rules that edit it
(SF103 adds packages there). Nothing happens on an image without the file.
"""

from __future__ import annotations

CONF = "/etc/apt/apt.conf.d/docker-clean"
# outside apt.conf.d (apt reads only that folder's parts), on the same filesystem: a rename
# keeps the file's inode, owner, mode and times; not in /tmp, which RUNs often empty
ASIDE = "/etc/apt/docker-clean.aside"

SET_ASIDE = f"{{ [ ! -e {CONF} ] || {{ mv {CONF} {ASIDE} && trap 'mv {ASIDE} {CONF}' EXIT; }}; }}"

# Commands that would lose the trap: another EXIT trap replaces it, exec replaces the shell.
LOSES_TRAP = frozenset({"trap", "exec"})
