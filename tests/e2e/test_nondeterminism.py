"""dh_strip_nondeterminism still normalizes, without file(1) on every file.

helpers/dh-strip-nondeterminism-named-first.pl runs debhelper's command
with one shortcut: a file with no name strip-nondeterminism handles and no
"#!" start gets no normalizer without a file(1) run.  The package below
installs a gzip file and a python zip application, both stamped in 2033
(later than any build of this test), and plain headers: the first two must
come out of the .deb clamped to the build's time, the headers must have
been skipped.
"""

import re
import struct
import subprocess
import time
import zipfile

from e2e_support import cmake_package_xml
from e2e_support import package_log

#: 2033-05-18 03:33:20 UTC
FUTURE = 2000000000

MAKE_FILES = f"""import gzip
import io
import os
import sys
import zipfile

out = sys.argv[1]
with open(os.path.join(out, 'stamped.gz'), 'wb') as f:
    with gzip.GzipFile(fileobj=f, mode='wb', mtime={FUTURE},
                       filename='') as g:
        g.write(b'stamped\\n')
payload = io.BytesIO()
with zipfile.ZipFile(payload, 'w') as z:
    z.writestr(zipfile.ZipInfo('__main__.py', (2033, 5, 18, 3, 33, 20)),
               'print(1)\\n')
with open(os.path.join(out, 'app'), 'wb') as f:
    f.write(b'#!/usr/bin/python3\\n' + payload.getvalue())
os.makedirs(os.path.join(out, 'plain'), exist_ok=True)
for i in range(50):
    with open(os.path.join(out, 'plain', f'f{{i}}.h'), 'w') as f:
        f.write(f'int a{{i}};\\n')
"""


def test_stamped_files_are_normalized_and_plain_files_skipped(
    make_workspace, tmp_path
):
    workspace = make_workspace([])
    workspace.add_package('stamped_files', {
        'package.xml': cmake_package_xml(
            'stamped_files', description='Files with timestamps.'),
        'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(stamped_files NONE)
set(out ${CMAKE_CURRENT_BINARY_DIR})
add_custom_command(OUTPUT ${out}/stamped.gz ${out}/app
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/make_files.py ${out}
  DEPENDS make_files.py)
add_custom_target(stamped ALL DEPENDS ${out}/stamped.gz ${out}/app)
install(FILES ${out}/stamped.gz DESTINATION share/stamped_files)
install(PROGRAMS ${out}/app DESTINATION share/stamped_files)
install(DIRECTORY ${out}/plain/ DESTINATION share/stamped_files/plain)
""",
        'make_files.py': MAKE_FILES,
    })
    workspace.colcon_deb()
    built = time.time()

    deb, = workspace.repo.glob('pool/main/*/ros-*-stamped-files_*.deb')
    subprocess.run(['dpkg-deb', '-x', str(deb), str(tmp_path)], check=True)
    share, = tmp_path.glob('opt/ros/*/share/stamped_files')
    gzip_mtime, = struct.unpack('<I', (share / 'stamped.gz').read_bytes()[4:8])
    assert 0 < gzip_mtime <= built
    with zipfile.ZipFile(share / 'app') as application:
        stamp, = [i.date_time for i in application.infolist()]
    assert stamp[0] < 2033, stamp
    assert len(list((share / 'plain').iterdir())) == 50

    log = package_log(workspace, 'stamped_files')
    summary = re.search(
        r'dh_strip_nondeterminism: (\d+) file\(s\) checked by '
        r'strip-nondeterminism, (\d+) without a file\(1\) run', log)
    assert summary, log[-3000:]
    checked, skipped = map(int, summary.groups())
    # the .gz by its name, the application by its "#!" (and nothing else
    # of this package has either); every header without file(1)
    assert checked >= 2
    assert skipped >= 50
