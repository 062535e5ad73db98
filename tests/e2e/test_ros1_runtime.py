"""ROS 1 packages on Debian's own catkin: built, installed, proved to run.

bookworm ships catkin and the ROS 1 core under /usr, so no package
installs /opt/ros/<distro>/setup.sh; catkin puts a message package's
Python module in <prefix>/lib/python3/dist-packages.
"""

import subprocess

MSG_PACKAGE_XML = """<?xml version="1.0"?>
<package format="2">
  <name>qa_msgs</name>
  <version>0.1.0</version>
  <description>A ROS 1 message package</description>
  <maintainer email="dev@example.com">Demo Maintainer</maintainer>
  <license>MIT</license>
  <buildtool_depend>catkin</buildtool_depend>
  <build_depend>message_generation</build_depend>
  <depend>std_msgs</depend>
  <exec_depend>message_runtime</exec_depend>
</package>
"""

MSG_CMAKELISTS = """cmake_minimum_required(VERSION 3.10)
project(qa_msgs)
find_package(catkin REQUIRED COMPONENTS message_generation std_msgs)
add_message_files(FILES Reading.msg)
generate_messages(DEPENDENCIES std_msgs)
catkin_package(CATKIN_DEPENDS message_runtime std_msgs)
"""


def test_a_message_package_verifies_with_its_python_module(
    make_workspace, base_image
):
    # --verify checked `import qa_msgs` without catkin's Python directory
    # on the path and failed a good package: "ModuleNotFoundError: No
    # module named 'qa_msgs'"
    workspace = make_workspace([])
    workspace.add_package('qa_msgs', {
        'package.xml': MSG_PACKAGE_XML,
        'CMakeLists.txt': MSG_CMAKELISTS,
        'msg/Reading.msg': 'std_msgs/Header header\nfloat64 value\n'})
    result = workspace.colcon_deb('--ros-distro', 'noetic', '--verify')
    deb, = workspace.repo.glob('pool/main/*/ros-noetic-qa-msgs_*.deb')
    listing = subprocess.run(['dpkg-deb', '-c', str(deb)], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
    assert 'lib/python3/dist-packages/qa_msgs/msg/_Reading.py' in listing
    assert 'verify: runtime (ros-noetic-qa-msgs: 1 check(s))' in \
        result.stdout
    assert 'runtime-failed' not in result.stdout
