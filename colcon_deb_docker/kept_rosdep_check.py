# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The rosdep pre-check kept from the last run when nothing it read changed.

The pre-check container (rosdep_check.py) costs about a second: container
start, `rosdep update` from the sources, Python and rosdep start-up.  An
incremental rebuild of one package paid it every time, a fifth of the run.
With ``--offline`` everything that container reads is known to the host:
the builder image, its environment, the helpers it runs and the rosdep
configuration the host wrote (workspace mapping, --rosdep-source copies,
offline index).  When all of that is what the last check read, its
rosdep cache (which the builds copy) is what a new one would build, and a
key resolves the same whichever package asks for it: the kept resolutions
answer every key they hold, and the container runs only for a run that
asks for a key they do not.

Online, rosdep reads sources the host cannot see change, so the check
always runs.
"""

import hashlib
import json
import os

from colcon_core.logging import colcon_logger

logger = colcon_logger.getChild(__name__)

#: below the rosdep state directory: the context and resolutions kept
KEPT_FILE = 'kept-check.json'
#: what the pre-check container leaves there and the builds copy
ROS_HOME = 'ros-home'
#: the rosdep configuration file that lists the keys asked (not context)
KEYS_FILE = 'keys.json'
#: the helpers the pre-check container runs (their code is context)
CHECK_HELPERS = ('check-rosdep.sh', 'setup-build-user.sh', 'progress.sh',
                 'progress.py', 'configure-rosdep.sh', 'check-rosdep-keys.py')


def check_context(*, image, image_id, spec, rosdep_dir, helpers_dir):
    """Return the digest of everything the pre-check container reads.

    Not the keys it is asked to resolve (:data:`KEYS_FILE`): each key
    resolves on its own.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps({
        'format': 1,
        'image': image,
        'image_id': image_id,
        'command': list(spec.command),
        'environment': sorted(spec.environment.items()),
        'cap_add': sorted(spec.cap_add or ()),
        'platform': spec.platform,
    }, sort_keys=True).encode())
    for name in CHECK_HELPERS:
        digest.update(name.encode() + b'\0')
        digest.update(hashlib.sha256(
            (helpers_dir / name).read_bytes()).digest())
    for directory, directories, files in os.walk(rosdep_dir):
        directories.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, rosdep_dir)
            if relative == KEYS_FILE:
                continue
            digest.update(relative.encode() + b'\0')
            with open(path, 'rb') as f:
                digest.update(hashlib.sha256(f.read()).digest())
    return digest.hexdigest()


class KeptRosdepCheck:
    """The resolutions of earlier pre-checks in one context."""

    def __init__(self, *, state_dir, context):
        """Describe the kept check below `state_dir` for `context`."""
        self.path = state_dir / KEPT_FILE
        self.ros_home = state_dir / ROS_HOME
        self.context = context

    def read(self):
        """Return the kept {'sources', 'keys'} of this context, or None."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get('context') != self.context:
            return None
        if not isinstance(data.get('keys'), dict) or \
                not isinstance(data.get('sources'), list):
            return None
        if not self.ros_home.is_dir():
            return None
        return data

    @staticmethod
    def answer(kept, keys_by_package):
        """Return the check's result for `keys_by_package`, or None.

        :param kept: what :meth:`read` returned
        :returns: the same data the container writes ({'sources',
          'packages'}), None when a key was never resolved in this context
        """
        if kept is None:
            return None
        resolutions = kept['keys']
        if any(key not in resolutions
               for keys in keys_by_package.values() for key in keys):
            return None
        return {
            'sources': kept['sources'],
            'packages': {
                package: {key: resolutions[key] for key in keys}
                for package, keys in keys_by_package.items()},
        }

    def forget(self):
        """Drop what is kept (before a container rewrites the cache)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def keep(self, result, *, earlier=None):
        """Keep a container's result, with `earlier` kept keys of the context.

        :param earlier: the {'keys': ...} read before the container ran
          (same context, so its resolutions still hold)
        """
        keys = dict((earlier or {}).get('keys') or {})
        for resolutions in result['packages'].values():
            keys.update(resolutions)
        tmp = self.path.with_name(f'.{self.path.name}.tmp')
        tmp.write_text(json.dumps({
            'context': self.context, 'sources': result['sources'],
            'keys': keys}, sort_keys=True))
        os.replace(tmp, self.path)
