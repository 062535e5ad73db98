#!/bin/sh
# The ROS 2 Humble core through colcon deb, measured: 73 packages up to
# rclcpp, rclcpp_components and the minimal publisher/subscriber examples,
# rmw_cyclonedds on Debian's cyclonedds-dev, on bookworm, offline.
#   ./benchmarks/ros2-core/run.sh MIRRORS_DIR [WORKSPACE [COLCON_DEB_ARG ...]]
# COLCON_DEB_ARG: more arguments of colcon deb, e.g. --no-debug-symbols.
# MIRRORS_DIR: git mirrors of the repositories make-workspace.sh lists (and,
# for the comparison with the official debs, of ros2-gbp's rclcpp-release,
# common_interfaces-release and examples-release).  Prints the wall time,
# where the time went (figures.py, beside a plain colcon build of the same
# packages in one container of the same image, and the machine's CPU
# seconds on both sides), the per-step figures of the report, whether the
# installed talker is heard by the installed listener, and how the
# generated dependencies compare with bloom-release's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mirrors=${1:?MIRRORS_DIR}
workspace=${2:-/tmp/colcon-deb-ros2-core}
shift $(($# < 2 ? $# : 2))
"$here/make-workspace.sh" "$mirrors" "$workspace" > /dev/null
cd "$workspace"
# the whole machine's CPU time, sampled every second while colcon deb runs:
# figures.py takes what was spent between the first build's start and the
# last one's end (beside what the plain builds spent)
mkdir -p log
(while :; do
    printf '%s %s\n' "$(date +%s.%N)" "$(head -n1 /proc/stat)"
    sleep 1
done) > log/cpu-samples.txt &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT
start=$(date +%s)
rc=0
colcon deb --ros-distro humble --offline \
    --rosdep-source "$here/rosdep-bookworm.yaml" \
    --executor parallel --parallel-workers 2 --verify "$@" \
    --packages-up-to examples_rclcpp_minimal_publisher \
    examples_rclcpp_minimal_subscriber rclcpp_components ros_workspace \
    || rc=$?
end=$(date +%s)
kill "$sampler" 2>/dev/null || true
echo "colcon deb: exit $rc, $((end - start)) s wall"
python3 "$here/talker_listener.py" "$workspace/deb"
python3 "$here/compare_control.py" "$workspace/deb" "$mirrors"
"${COLCON_DEB_VENV:-/opt/colcon-deb-venv}/bin/python" "$here/figures.py" \
    "$workspace" "$((end - start))" examples_rclcpp_minimal_publisher \
    examples_rclcpp_minimal_subscriber rclcpp_components ros_workspace
