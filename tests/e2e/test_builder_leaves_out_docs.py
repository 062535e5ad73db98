"""The builder image's dpkg leaves out what no build reads.

helpers/install-build-tools.sh tells dpkg to leave out documentation (but
the copyright files), manual and info pages and message translations, and
turns off man-db's index of manual pages, which its trigger rebuilt after
every install of a package with some.  A quarter of the files of a ROS 2
dependency image's packages, and less work in every cold install of build
dependencies (dependency images, a build's own set); what a build makes
is the same, as every other end-to-end test shows.
"""

from colcon_deb_docker.builder_image import prepare_builder_image

#: a file of debhelper (in every builder image) for each kind left out, and
#: one of those kept
LEFT_OUT = (
    '/usr/share/man/man7/debhelper.7.gz',
    '/usr/share/doc/debhelper/changelog.gz',
)
KEPT = '/usr/share/doc/debhelper/copyright'

SCRIPT = """set -u
for path in {left_out}; do
    dpkg -L debhelper | grep -qx "$path" || echo "not debhelper's: $path"
    [ -e "$path" ] && echo "installed: $path"
done
[ -e {kept} ] || echo "missing: {kept}"
[ -e /var/lib/man-db/auto-update ] && echo "man-db: auto-update"
# a package installed now, as a build's dependencies are (made here: the
# image keeps no .deb)
mkdir -p /tmp/p/DEBIAN /tmp/p/usr/share/doc/colcon-deb-probe \
    /tmp/p/usr/share/man/man1 /tmp/p/usr/share/locale/de/LC_MESSAGES \
    /tmp/p/usr/bin
printf 'Package: colcon-deb-probe\\nVersion: 1\\nArchitecture: all\\n\
Maintainer: t <t@example.com>\\nDescription: probe\\n' > /tmp/p/DEBIAN/control
echo c > /tmp/p/usr/share/doc/colcon-deb-probe/copyright
echo r > /tmp/p/usr/share/doc/colcon-deb-probe/README
echo m > /tmp/p/usr/share/man/man1/colcon-deb-probe.1
echo t > /tmp/p/usr/share/locale/de/LC_MESSAGES/colcon-deb-probe.mo
printf '#!/bin/sh\\n' > /tmp/p/usr/bin/colcon-deb-probe
dpkg-deb -b /tmp/p /tmp/probe.deb >/dev/null
dpkg -i /tmp/probe.deb >/dev/null
for path in /usr/share/doc/colcon-deb-probe/README \
        /usr/share/man/man1/colcon-deb-probe.1 \
        /usr/share/locale/de/LC_MESSAGES/colcon-deb-probe.mo; do
    [ -e "$path" ] && echo "installed: $path"
done
for path in /usr/share/doc/colcon-deb-probe/copyright \
        /usr/bin/colcon-deb-probe; do
    [ -e "$path" ] || echo "missing: $path"
done
echo checked
"""


def test_the_builder_image_leaves_out_documentation(engine, base_image):
    builder = prepare_builder_image(engine=engine, base_image=base_image)
    output = engine.client.containers.run(
        builder.tag, ['sh', '-c', SCRIPT.format(
            left_out=' '.join(LEFT_OUT), kept=KEPT)],
        network_mode='none', remove=True).decode()
    assert output.strip() == 'checked', output
