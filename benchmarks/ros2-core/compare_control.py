"""Compare the dependencies colcon deb generated with the official ones.

The official debian/control of a package is what bloom-release wrote on
the ros2-gbp release repository's ``debian/humble/jammy/<package>`` branch
(a git mirror of it).  Prints, per package, what only one side has (the
``<!nocheck>`` test dependencies and debhelper are left out; versions
ignored).

    python3 compare_control.py REPO MIRRORS_DIR
"""

from pathlib import Path
import re
import subprocess
import sys

#: (ros2-gbp release repository, package)
PACKAGES = [
    ('rclcpp-release', 'rclcpp'),
    ('rclcpp-release', 'rclcpp_components'),
    ('common_interfaces-release', 'std_msgs'),
    ('examples-release', 'examples_rclcpp_minimal_publisher'),
]


def names(field):
    return {re.split(r'[\s(]', item.strip(), 1)[0]
            for item in field.split(',')
            if item.strip() and '<!nocheck>' not in item and
            not item.strip().startswith(('$', 'debhelper'))}


def field(text, name):
    match = re.search(rf'^{name}: (.*)$', text, re.M)
    return match.group(1) if match else ''


def main():
    repo, mirrors = Path(sys.argv[1]), Path(sys.argv[2])
    for release, package in PACKAGES:
        deb_name = 'ros-humble-' + package.replace('_', '-')
        debs = sorted(repo.glob(f'pool/main/*/{deb_name}_*.deb'))
        if not debs:
            print(f'{package}: not built')
            continue
        ours = subprocess.run(['dpkg-deb', '-f', str(debs[-1]), 'Depends'],
                              capture_output=True, text=True).stdout
        git_dir = mirrors / f'ros2-gbp+{release}' / 'repo'
        official = subprocess.run(
            ['git', '--git-dir', str(git_dir), 'show',
             f'debian/humble/jammy/{package}:debian/control'],
            capture_output=True, text=True).stdout
        theirs = names(field(official, 'Depends'))
        mine = names(ours)
        print(f'{package}:')
        print(f'  same: {len(mine & theirs)}')
        print(f"  only colcon deb: {', '.join(sorted(mine - theirs)) or '-'}")
        print(f"  only official:   {', '.join(sorted(theirs - mine)) or '-'}")


if __name__ == '__main__':
    main()
