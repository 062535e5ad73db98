"""Install the ROS 2 minimal publisher and subscriber from a repository
built by colcon deb, in a fresh container of the base image, and check
that the subscriber hears the publisher.  Prints what it heard.

    python3 talker_listener.py REPO [BASE_IMAGE]
"""

import sys

import docker

SCRIPT = '''
set -e
echo "deb [trusted=yes] file:/repo bookworm main" \
    > /etc/apt/sources.list.d/colcon-deb.list
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ros-humble-examples-rclcpp-minimal-publisher \
    ros-humble-examples-rclcpp-minimal-subscriber > /dev/null
. /opt/ros/humble/setup.sh
lib=/opt/ros/humble/lib
timeout 8 $lib/examples_rclcpp_minimal_subscriber/subscriber_member_function \
    > /tmp/heard.txt 2>&1 &
sleep 1
timeout 5 $lib/examples_rclcpp_minimal_publisher/publisher_member_function \
    > /tmp/said.txt 2>&1 || true
wait || true
echo "== said"; head -3 /tmp/said.txt
echo "== heard"; head -3 /tmp/heard.txt
grep -q "I heard" /tmp/heard.txt
'''


def main():
    repo = sys.argv[1]
    image = sys.argv[2] if len(sys.argv) > 2 else 'local/debian:bookworm'
    client = docker.from_env()
    container = client.containers.run(
        image, ['sh', '-c', SCRIPT], detach=True,
        volumes={repo: {'bind': '/repo', 'mode': 'ro'}})
    try:
        status = container.wait(timeout=600)['StatusCode']
        print(container.logs().decode())
    finally:
        container.remove(force=True)
    print('talker/listener:', 'OK' if status == 0 else 'FAILED')
    return 0 if status == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
