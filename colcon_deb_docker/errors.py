# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Typed errors, each carrying a message a user can act on."""


class DebDockerError(Exception):
    """Base class of every error this plugin reports without a traceback."""


class EngineUnreachable(DebDockerError):
    """The Docker engine cannot be reached (not running, no permission)."""

    def __init__(self, *, base_url, reason, hint=None):  # noqa: D107
        self.base_url = base_url
        self.reason = reason
        hint = hint or (
            'start the engine (e.g. `sudo systemctl start docker` or '
            '`sudo dockerd &`)')
        if 'permission denied' in str(reason).lower():
            hint = (
                'add your user to the `docker` group '
                '(`sudo usermod -aG docker $USER`, then log in again) or '
                'point DOCKER_HOST at an engine you may use')
        super().__init__(
            f'cannot reach the Docker engine at {base_url}: {reason}; '
            f'{hint}')


class ImageMissing(DebDockerError):
    """An image is neither present locally nor pullable."""

    def __init__(self, *, image, hint=None):  # noqa: D107
        self.image = image
        message = f"image '{image}' is not available on the Docker engine"
        if hint:
            message += f'; {hint}'
        super().__init__(message)


class ContainerFailed(DebDockerError):
    """A container exited with a non-zero code."""

    def __init__(self, *, name, exit_code, log_tail,  # noqa: D107
                 oom_killed=False):
        self.name = name
        self.exit_code = exit_code
        self.log_tail = log_tail
        #: the engine killed it for exceeding its memory limit
        self.oom_killed = oom_killed
        super().__init__(
            f"container '{name}' exited with code {exit_code}")


class ContainerTimeout(DebDockerError):
    """A container ran longer than allowed and was killed."""

    def __init__(self, *, name, seconds, log_tail=''):  # noqa: D107
        self.name = name
        self.seconds = seconds
        self.log_tail = log_tail
        super().__init__(
            f"container '{name}' timed out after {seconds} s and was killed")


class ContainerDiskExceeded(DebDockerError):
    """A container wrote more into its filesystem than allowed: killed."""

    def __init__(self, *, name, limit, used, log_tail=''):  # noqa: D107
        self.name = name
        #: the bound and what the engine counted, in bytes
        self.limit = limit
        self.used = used
        self.log_tail = log_tail
        super().__init__(
            f"container '{name}' wrote {used} bytes into its filesystem, "
            f'more than {limit}, and was killed')


class ImageBuildFailed(DebDockerError):
    """Building the builder image failed."""

    def __init__(self, *, tag, log_tail):  # noqa: D107
        self.tag = tag
        self.log_tail = log_tail
        super().__init__(
            f"building image '{tag}' failed:\n{log_tail}")
