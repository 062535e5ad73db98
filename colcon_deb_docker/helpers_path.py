# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Where the container-side helper scripts are on the host."""

from pathlib import Path


def helpers_dir():
    """Return the directory of the helper scripts.

    Installed, they are the package data ``colcon_deb_docker/helpers``; in a
    source checkout they are the top-level ``helpers/`` directory.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / 'helpers', here.parent / 'helpers'):
        if (candidate / 'build-deb.sh').is_file():
            return candidate
    raise FileNotFoundError(
        f'the helper scripts are missing (looked in {here / "helpers"} and '
        f'{here.parent / "helpers"}); reinstall colcon-deb-docker')
