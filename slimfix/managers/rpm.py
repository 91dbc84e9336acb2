"""The rpm family: dnf (dnf5), yum, microdnf and zypper. Where each keeps its cache, how
to empty it (SF303) and how to mount it (SF606)."""

from __future__ import annotations

import re

# the cleanup each program takes, and the cache it empties (SF303)
CLEANUP = {"yum": "yum clean all", "dnf": "dnf clean all", "microdnf": "microdnf clean all",
           "zypper": "zypper clean --all"}
CLEANED_CACHE = {"yum": "/var/cache/yum", "dnf": "/var/cache/dnf", "microdnf": "/var/cache/yum",
                 "zypper": "/var/cache/zypp"}
# every cache directory the program may use: yum is dnf on EL8 and later, dnf is dnf5 on Fedora 41
CACHES = {"dnf": ("/var/cache/dnf", "/var/cache/libdnf5"), "yum": ("/var/cache/yum", "/var/cache/dnf"),
          "microdnf": ("/var/cache/yum", "/var/cache/libdnf5"), "dnf5": ("/var/cache/libdnf5",),
          "zypper": ("/var/cache/zypp",)}
KNOWN_TARGETS = ("/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5", "/var/cache/zypp")
OFFLINE_OPTIONS = ("-C", "--cacheonly")
LOOKS_LIKE = re.compile(r"\b(dnf|yum|microdnf|zypper)\s+(-\S+\s+)*(install|in|update|upgrade)\b")
