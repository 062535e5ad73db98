# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Adding files to the pool, so that a kill at any moment leaves nothing.

Every new file is complete under a temporary name before any is renamed
into place, and a journal under ``.pending/`` names them until they are
indexed: the next run's self-check deletes what a killed run copied but
never indexed.
"""

import json
import os
from pathlib import Path
import shutil

from colcon_deb_docker.repository.indexes import publishable
from colcon_deb_docker.repository.self_check import PENDING_DIR


def copy_to_pool(root, debs_and_entries):
    """Copy new files into the pool of the repository at `root`.

    :param debs_and_entries: (file, manifest entry) pairs; a file whose
      pool path exists is skipped (the caller checked it has the same bytes)
    :returns: (the journal that lists them, their paths); the caller
      deletes the journal once an index lists them
    """
    root = Path(root)
    pending = root / PENDING_DIR
    pending.mkdir(exist_ok=True)
    journal = pending / f'{os.getpid()}.json'
    staged = []
    try:
        for deb, entry in debs_and_entries:
            target = root / entry['filename']
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            publishable(target.parent)
            tmp = target.with_name(f'.{target.name}.tmp')
            staged.append((tmp, target))
            shutil.copyfile(deb, tmp)
            publishable(tmp)
        journal.write_text(json.dumps(
            [str(t.relative_to(root)) for _, t in staged]))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return journal, [target for _, target in staged]
