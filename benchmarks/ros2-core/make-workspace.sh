#!/bin/sh
# Assemble the ROS 2 Humble core (rclcpp, rclcpp_components, std_msgs, the
# minimal publisher/subscriber examples, rmw_cyclonedds with Debian's
# cyclonedds-dev) as a colcon workspace, from local git mirrors of the
# public repositories (CI cannot fetch them; a developer fetches them once,
# e.g. with `git clone --mirror`).
#   make-workspace.sh MIRRORS_DIR WORKSPACE [OWNER/NAME ...]
# With repositories named, only those (e.g. the real-package workspace of
# the benchmark: ament/ament_package ament/ament_cmake ament/ament_index).
# MIRRORS_DIR holds <owner>+<name>/repo git directories (bare or mirror).
# Packages that download sources while they build (humble's libyaml_vendor
# clones libyaml from GitHub) are replaced by the stand-ins in offline/,
# which wrap the Debian package instead: this machine reaches only Debian's
# mirror and PyPI.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mirrors=${1:?MIRRORS_DIR}
workspace=${2:?WORKSPACE}
mkdir -p "$workspace/src"
shift 2
repos=$*
[ -n "$repos" ] || repos=$(echo \
    ament/ament_cmake ament/ament_index ament/ament_package \
    ros2/ament_cmake_ros ros2/common_interfaces ros2/examples \
    ros2/libyaml_vendor ros2/python_cmake_module ros2/rcl \
    ros2/rcl_interfaces ros2/rcl_logging ros2/rclcpp ros2/rcpputils \
    ros2/rcutils ros2/rmw ros2/rmw_cyclonedds ros2/rmw_dds_common \
    ros2/rmw_implementation ros2/ros2_tracing ros2/ros_workspace \
    ros2/rosidl ros2/rosidl_dds ros2/rosidl_defaults ros2/rosidl_python \
    ros2/rosidl_runtime_py ros2/rosidl_typesupport ros2/rpyutils \
    ros2/spdlog_vendor ros2/unique_identifier_msgs \
    ros-tooling/libstatistics_collector)
for repo in $repos
do
    git_dir="$mirrors/$(echo "$repo" | tr / +)/repo"
    branch=humble
    git --git-dir="$git_dir" rev-parse --verify -q "$branch" >/dev/null \
        || branch=latest  # ros_workspace: one branch for humble and later
    target="$workspace/src/$(basename "$repo")"
    rm -rf "$target"
    mkdir -p "$target"
    git --git-dir="$git_dir" archive "$branch" | tar -x -C "$target"
    echo "$repo $branch $(git --git-dir="$git_dir" rev-parse --short "$branch")"
done
for standin in "$here"/offline/*/; do
    name=$(basename "$standin")
    [ -d "$workspace/src/$name" ] || continue
    rm -rf "$workspace/src/$name"
    cp -r "$standin" "$workspace/src/$name"
    echo "$name: offline stand-in ($standin)"
done
