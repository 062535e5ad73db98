#!/usr/bin/env python3
# Step "bloom-ahead" (build user): the bloom step of many packages in one
# process, ahead of their builds.  Reads $COLCON_DEB_BLOOM_INPUTS/jobs.json
# (which packages, what bloom-release adds to each, which are
# architecture-independent) and the files bloom reads of each package,
# which the host copied to $COLCON_DEB_BLOOM_INPUTS/<name>/; writes
# $COLCON_DEB_OUT/<name>/debian/, in the order of jobs.json, and says so
# with the progress line `bloom-ahead generated <name>` once that directory
# is complete: the host copies it out then, and that package's build
# starts while bloom goes on with the next.  No workspace code runs here:
# bloom reads package.xml and a few text files.  A package bloom cannot
# generate is only reported (`bloom-ahead failed <name>: ...`): its build
# runs bloom itself and fails there with bloom's own message.
import importlib
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import progress  # noqa: E402

bloom_rosdebian = importlib.import_module('bloom-rosdebian')
from bloom.logging import disable_ANSI_colors  # noqa: E402,I100


def main():
    inputs = os.environ['COLCON_DEB_BLOOM_INPUTS']
    out = os.environ['COLCON_DEB_OUT']
    work = os.path.join(os.environ['HOME'], 'bloom-ahead')
    with open(os.path.join(inputs, 'jobs.json')) as f:
        jobs = json.load(f)['packages']
    progress('bloom-ahead', 'start', f'{len(jobs)} package(s)')
    disable_ANSI_colors()  # the host keeps the output in its log
    done = 0
    for job in jobs:
        name = job['name']
        path = os.path.join(work, name)
        shutil.copytree(os.path.join(inputs, name), path)
        bloom_rosdebian.notes.clear()
        try:
            os.chdir(path)  # bloom places its templates relative to it
            bloom_rosdebian.generate(
                '.', ros_distro=os.environ['COLCON_DEB_ROS_DISTRO'],
                os_name=os.environ['COLCON_DEB_OS_NAME'],
                os_version=os.environ['COLCON_DEB_OS_CODENAME'],
                release_depends=job['release_depends'],
                arch_all=job['arch_all'])
        except (Exception, SystemExit) as e:  # noqa: B902
            progress('bloom-ahead', 'failed', f'{name}: {e}')
            continue
        if bloom_rosdebian.notes:
            # the build shows them as its own bloom step's progress
            with open(os.path.join(path, 'debian',
                                   bloom_rosdebian.NOTES_FILE), 'w') as f:
                f.write(''.join(n + '\n' for n in bloom_rosdebian.notes))
        shutil.copytree(os.path.join(path, 'debian'),
                        os.path.join(out, name, 'debian'))
        # complete: the host may copy it out now
        progress('bloom-ahead', 'generated', name)
        done += 1
    progress('bloom-ahead', 'done', f'{done} of {len(jobs)} generated')


if __name__ == '__main__':
    main()
