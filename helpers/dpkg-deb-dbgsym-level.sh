#!/bin/sh
# dpkg-deb, first on PATH while dpkg-buildpackage runs (build-with-dpkg.sh
# copies it to /build/wrappers/dpkg-deb): a -dbgsym package, which
# dh_builddeb builds from debian/.debhelper/<package>/dbgsym-root, is
# compressed with xz -1 instead of dpkg-deb's default xz -6.  dh_strip
# already compressed its debug sections (zlib), so xz -6 gains next to
# nothing on it: rclcpp's -dbgsym took 7.3 s at -6 and 2.9 s at -1 for
# 0.2 % more bytes.  Every other package keeps xz -6 (robots download them).
for arg
do
    case $arg in
        */dbgsym-root | */dbgsym-root/)
            exec /usr/bin/dpkg-deb -Zxz -z1 "$@" ;;
    esac
done
exec /usr/bin/dpkg-deb "$@"
