#!/bin/sh
# dpkg-deb, first on PATH while dpkg-buildpackage runs (build-with-dpkg.sh
# copies it to /build/wrappers/dpkg-deb): a -dbgsym package, which
# dh_builddeb builds from debian/.debhelper/<package>/dbgsym-root, is
# compressed with gzip -1 instead of dpkg-deb's default xz -6.  dh_strip
# already compressed its debug sections (zlib), so a stronger compressor
# gains next to nothing on it: the minimal subscriber examples' -dbgsym
# (22.4 MB unpacked) took 10.8 s at xz -6 (19.2 MB), 5.9 s at xz -1
# (19.7 MB) and 0.65 s at gzip -1 (19.9 MB).  gzip, not zstd: every dpkg
# reads it, and so does the host's publish check (python's tarfile).
# Every other package keeps xz -6 (robots download them).
for arg
do
    case $arg in
        */dbgsym-root | */dbgsym-root/)
            exec /usr/bin/dpkg-deb -Zgzip -z1 "$@" ;;
    esac
done
exec /usr/bin/dpkg-deb "$@"
