# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""colcon-deb-docker: Debian packages of a ROS workspace, built in Docker."""

__version__ = '0.1.0'
