"""dpkg-buildpackage runs `debian/rules binary` alone where it can.

helpers/build-with-dpkg.sh passes `--rules-target=binary` for a debian/
with `Rules-Requires-Root: no` and no patches (every one bloom generates):
the binary target in dpkg-buildpackage's environment, without
dpkg-source --before-build/--after-build, dpkg-genbuildinfo and
dpkg-genchanges, whose output is not used.  A package's own debian/ with
quilt patches still gets the whole dpkg-buildpackage -b, which applies
them before the build.
"""


from e2e_support import data_package
from e2e_support import extracted_package
from e2e_support import own_debian_package
from e2e_support import package_log

PATCH = """--- a/data.txt
+++ b/data.txt
@@ -1 +1 @@
-as released
+patched
"""


def _patched_pkg():
    """Return a package with its own quilt-format debian/ and one patch."""
    files = own_debian_package(
        'patched_pkg', description='a package whose own debian/ patches it',
        control_extra='Rules-Requires-Root: no\n',
        debian_files={'source/format': '3.0 (quilt)\n',
                      'patches/series': 'change-data.patch\n',
                      'patches/change-data.patch': PATCH})
    files['data.txt'] = 'as released\n'
    return files


def test_binary_target_alone_and_patches_still_applied(
    make_workspace, tmp_path
):
    workspace = make_workspace([])
    workspace.add_package('plain_pkg', data_package('plain_pkg'))
    workspace.add_package('patched_pkg', _patched_pkg())
    workspace.colcon_deb()

    plain = package_log(workspace, 'plain_pkg')
    assert 'debian/rules binary' in plain
    assert 'dh_builddeb' in plain
    for step in ('dpkg-genbuildinfo', 'dpkg-genchanges',
                 'dpkg-source --before-build', 'dpkg-source --after-build'):
        assert step not in plain, step

    patched = package_log(workspace, 'patched_pkg')
    for step in ('dpkg-source --before-build', 'dpkg-genchanges'):
        assert step in patched, step
    prefix = extracted_package(workspace, tmp_path, 'patched_pkg')
    assert (prefix / 'share/patched_pkg/data.txt').read_text() == 'patched\n'
