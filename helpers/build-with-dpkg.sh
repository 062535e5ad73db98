#!/bin/sh
# Steps "compile" and "package": dpkg-buildpackage -b, then hand the .debs
# (and -dbgsym packages) to the host through the writable output mount.
# The first progress line states who builds (uid, capabilities) so that the
# log shows, and the tests check, that this step is unprivileged.
set -eu
. "$(dirname "$0")/progress.sh"
cd "/build/src/$PACKAGE_NAME"
caps=$(awk '/^(CapEff|CapPrm|CapBnd|NoNewPrivs):/ {printf "%s%s=%s", sep, $1, $2; sep=" "}' /proc/self/status | tr -d :)
progress compile identity "uid=$(id -u) gid=$(id -g) $caps"
if [ -n "${CCACHE_DIR:-}" ] && command -v ccache >/dev/null; then
    export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
# dh_shlibdeps, then the ROS-prefix libraries it cannot map (see
# add-sibling-library-depends.py); first on PATH for this build only
wrappers=/build/wrappers
mkdir -p "$wrappers"
cat > "$wrappers/dh_shlibdeps" <<EOS
#!/bin/sh
/usr/bin/dh_shlibdeps "\$@" && \
    python3 "$COLCON_DEB_HELPERS/add-sibling-library-depends.py"
EOS
chmod 755 "$wrappers/dh_shlibdeps"
# -dbgsym packages at gzip -1 (see dpkg-deb-dbgsym-compression.sh)
cp "$COLCON_DEB_HELPERS/dpkg-deb-dbgsym-compression.sh" "$wrappers/dpkg-deb"
chmod 755 "$wrappers/dpkg-deb"
# file(1) only where strip-nondeterminism can use its answer (see
# dh-strip-nondeterminism-named-first.pl)
cp "$COLCON_DEB_HELPERS/dh-strip-nondeterminism-named-first.pl" \
    "$wrappers/dh_strip_nondeterminism"
chmod 755 "$wrappers/dh_strip_nondeterminism"
# FindPython's distutils questions without importing setuptools (see
# dh-auto-configure-stdlib-distutils.sh)
cp "$COLCON_DEB_HELPERS/dh-auto-configure-stdlib-distutils.sh" \
    "$wrappers/dh_auto_configure"
chmod 755 "$wrappers/dh_auto_configure"
# debhelper commands with nothing to do in this tree exit at once (see
# dh-skip-idle-command.sh)
for command in dh_auto_test dh_testroot dh_update_autotools_config dh_prep \
        dh_installinit dh_missing; do
    cp "$COLCON_DEB_HELPERS/dh-skip-idle-command.sh" "$wrappers/$command"
    chmod 755 "$wrappers/$command"
done
# CMake's Ninja generator for debhelper's cmake build system (see
# dh-auto-cmake-ninja.sh); after the ones above on PATH
mkdir -p "$wrappers/cmake-ninja"
for step in configure build test install clean; do
    cp "$COLCON_DEB_HELPERS/dh-auto-cmake-ninja.sh" \
        "$wrappers/cmake-ninja/dh_auto_$step"
    chmod 755 "$wrappers/cmake-ninja/dh_auto_$step"
done
export PATH="$wrappers:$wrappers/cmake-ninja:$PATH"
# --rules-target binary: `debian/rules binary` in the environment
# dpkg-buildpackage prepares (build flags, SOURCE_DATE_EPOCH, DEB_BUILD_OPTIONS,
# the architecture variables), without the steps around it whose output is
# not used: dpkg-source --before-build and --after-build, dpkg-genbuildinfo,
# dpkg-genchanges (0.28 s a package; only the .debs go on).  A debian/ with
# patches (dpkg-source applies them before the build) or without
# `Rules-Requires-Root: no` (then `debian/rules build` runs unprivileged
# before a root binary target) gets the whole dpkg-buildpackage -b.
if [ ! -e debian/patches ] && \
        grep -qiE '^Rules-Requires-Root:[[:space:]]*no[[:space:]]*$' debian/control
then
    build="--rules-target=binary"
else
    build="-b"
fi
progress compile start "dpkg-buildpackage $build"
# --no-pre-clean: the tree is a fresh copy with nothing to clean (`debian/rules
# clean` cost 0.2-0.4 s a package); --no-check-builddeps: the build-deps step
# ended only once they were installed (dpkg-checkbuilddeps satisfied, or
# apt-get build-dep succeeded)
# shellcheck disable=SC2086
dpkg-buildpackage $build -us -uc --no-pre-clean --no-check-builddeps
progress compile done
progress package start
found=0
for deb in ../*.deb ../*.ddeb; do
    [ -f "$deb" ] || continue
    cp "$deb" "$COLCON_DEB_OUT/"
    progress package file "$(basename "$deb")"
    found=1
done
if [ "$found" = 0 ]; then
    echo "dpkg-buildpackage produced no .deb" >&2
    exit 1
fi
progress package done
