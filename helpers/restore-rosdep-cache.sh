#!/bin/sh
# Step "rosdep": start from the rosdep cache the run's pre-check built
# (mounted read-only), so no package container runs `rosdep update`.
set -eu
. "$(dirname "$0")/progress.sh"
progress rosdep start "cache of the pre-check"
mkdir -p "$ROS_HOME"
cp -a "$COLCON_DEB_ROSDEP_STATE/ros-home/." "$ROS_HOME/"
progress rosdep done
