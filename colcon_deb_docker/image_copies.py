# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Images a remote engine lacks, copied from this machine's engine.

Nothing here pulls from a registry: base images are made locally
(``colcon-deb-base-image``) and a remote engine (``--docker-host
ARCH=URL``, a tcp:// or ssh:// one) cannot pull them.  So when it lacks the
base image or the builder image, and this machine's engine has it for the
architecture the remote one builds, the image is saved from the one and
loaded into the other through the Docker API, streamed, as ``docker save
| docker -H URL load`` would.  An image keeps its id on the way, so the
builder image's tag (which counts the base image's id) stays the same on
both engines, and a builder image made here is not made again there.
"""

from colcon_core.logging import colcon_logger
from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.errors import ImageMissing
from colcon_deb_docker.platforms import docker_platform
import docker.errors
from docker.utils import parse_repository_tag

logger = colcon_logger.getChild(__name__)


class LocalImages:
    """This machine's engine as the source of a remote engine's images.

    That is the engine `docker` would use here (``DOCKER_HOST``, else the
    local socket).
    """

    def __init__(self, *, local=None):  # noqa: D107
        #: the local engine, connected when first needed; False when it
        #: cannot be reached
        self._local = local

    def _engine(self):
        if self._local is None:
            try:
                self._local = DockerEngine()
            except DebDockerError as e:
                logger.info(f'no local engine to copy images from: {e}')
                self._local = False
        return self._local or None

    def copy_missing(self, *, target, name, arch, candidates=()):
        """Give `target` the image `name` from the local engine if it lacks it.

        :param candidates: further local names of the same image (e.g. the
          ``<base>-<arch>`` base image an emulating engine here uses for
          what a native remote engine calls ``<base>``), tried after `name`
        :returns: whether `target` has the image now
        :raises ImageMissing: if the copy fails on its way
        """
        if target.has_image(name):
            return True
        local = self._engine()
        if local is None or local.base_url == target.base_url:
            return False
        image = self._local_image(local, [name, *candidates], arch)
        if image is None:
            return False
        logger.warning(
            f"copying image '{name}' ({image.attrs.get('Size', 0) >> 20} "
            f'MiB) to the engine at {target.base_url}, which lacks it')
        try:
            target.client.images.load(image.save(named=False))
            repository, tag = parse_repository_tag(name)
            target.client.api.tag(image.id, repository, tag or 'latest')
        except (docker.errors.DockerException, OSError) as e:
            raise ImageMissing(image=name, hint=(
                f'copying it from the local engine to {target.base_url} '
                f'failed: {e}')) from None
        return True

    @staticmethod
    def _local_image(local, names, arch):
        """Return the first local image of `names` that is built for arch."""
        platform = docker_platform(arch).split('/')[1:]
        for name in names:
            try:
                image = local.client.images.get(name)
            except docker.errors.ImageNotFound:
                continue
            except docker.errors.APIError:
                return None
            attrs = image.attrs
            built_for = [attrs.get('Architecture', '')]
            if len(platform) > 1:
                built_for.append(attrs.get('Variant', platform[1]))
            if built_for == platform:
                return image
        return None
