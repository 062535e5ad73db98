# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What goes into a container and what comes out of it.

Inputs are read-only bind mounts, or uploads when the engine does not share
the host's filesystem; outputs always come back through the engine API.
"""

from colcon_deb_docker import contract
from colcon_deb_docker.container_spec import Download
from colcon_deb_docker.container_spec import Upload


class ContainerInputs:
    """The inputs and outputs of the containers of one session."""

    def __init__(self, session):  # noqa: D107
        self.session = session

    def describe(self, mounts, arch, *, outputs=()):
        """Describe a container's inputs and outputs.

        Inputs are read-only bind mounts, or uploads when the engine does
        not share the host's filesystem.  Outputs never are mounts: the
        container's entry script makes each output directory (root, before
        any other step, owned by the build user), and the host copies it
        out through the engine API after the container ends, for local and
        remote engines alike, so no step (root or not) ever sees a writable
        host path.  (An upload of the empty directory did the same at 0.07 s
        a container: the engine mounts a created container's filesystem to
        unpack into it.)

        :param outputs: (host path, container path) pairs
        :returns: (mounts, uploads, downloads) for a ContainerSpec
        """
        session = self.session
        uploads = []
        downloads = [Download(c, h, limit=session.max_output)
                     for h, c in outputs]
        if session.arch_or_primary(arch) not in session.transfer:
            return mounts, uploads, downloads
        for mount in mounts:
            if mount.container_path == contract.REPO:
                uploads += self._repository_uploads()
            else:
                uploads.append(Upload(mount.host_path, mount.container_path))
        return [], uploads, downloads

    def _repository_uploads(self):
        """Return the uploads of the repository for a remote engine.

        Indexes and .debs, no debug symbols (never installed as build
        dependencies).
        """
        session = self.session
        repo = session.repository.path
        codename = session.repository.codename
        return [
            Upload(str(repo / 'pool'), f'{contract.REPO}/pool',
                   exclude=lambda p: '-dbgsym_' in p.name),
            Upload(str((repo / 'dists' / codename).resolve()),
                   f'{contract.REPO}/dists/{codename}'),
        ]
