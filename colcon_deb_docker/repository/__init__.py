# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The apt repository a run writes: what it holds and how it is published.

- :mod:`.manifest`: the list of published files with their provenance, and
  the retention rule (``--keep-versions``);
- :mod:`.publish_rules`: which files the pool accepts (append-only, one
  content per file name);
- :mod:`.indexes`: one immutable snapshot of Packages, by-hash, Release and
  signatures, switched in with one rename;
- :mod:`.self_check`: the check (and repair) every run starts with;
- :mod:`.apt_repository`: the writer the rest of the plugin uses.
"""
