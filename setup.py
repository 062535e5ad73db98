# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Install colcon-deb-docker; the helper scripts ship as package data."""

from setuptools import setup

setup(
    # the container-side scripts live in the top-level helpers/ directory of
    # the repository and are installed as colcon_deb_docker/helpers
    package_dir={'colcon_deb_docker.helpers': 'helpers'},
    packages=[
        'colcon_deb_docker',
        'colcon_deb_docker.event_handler',
        'colcon_deb_docker.helpers',
        'colcon_deb_docker.repository',
        'colcon_deb_docker.task',
        'colcon_deb_docker.verb',
    ],
    package_data={
        'colcon_deb_docker': ['*.yaml'],
        'colcon_deb_docker.helpers': ['*.sh', '*.py', '*.pl'],
    },
)
