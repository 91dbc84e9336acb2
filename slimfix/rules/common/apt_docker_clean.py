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
the file aside at the start of the RUN and puts it back as the RUN's last command: the
image's apt configuration is what it was. Both steps do nothing on an image without the
file. If the RUN fails in between there is no image to keep the change.
"""

from __future__ import annotations

CONF = "/etc/apt/apt.conf.d/docker-clean"
# outside apt.conf.d (apt reads only that folder's parts), on the same filesystem: a rename
# keeps the file's inode, owner, mode and times
ASIDE = "/etc/apt/docker-clean.aside"

SET_ASIDE = f"{{ [ ! -e {CONF} ] || mv {CONF} {ASIDE}; }}"
# braces: `... && [ ! -e X ] || mv` would run the mv after a failed chain and hide the failure
PUT_BACK = f"{{ [ ! -e {ASIDE} ] || mv {ASIDE} {CONF}; }}"

# Commands after which a command appended to the RUN may never run.
ENDS_EARLY = frozenset({"exit", "exec", "return"})
