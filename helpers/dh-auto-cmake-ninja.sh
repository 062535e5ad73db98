#!/bin/sh
# dh_auto_configure, dh_auto_build, dh_auto_test, dh_auto_install and
# dh_auto_clean, on PATH before debhelper's while dpkg-buildpackage runs
# (build-with-dpkg.sh copies it under each of those names): a debian/rules
# that asks for debhelper's `cmake` build system (bloom's rules for
# ament_cmake and catkin packages: `dh $@ --buildsystem=cmake`) gets
# `cmake+ninja`, CMake's Ninja generator instead of its Makefiles, for all
# of the steps alike.
# Why: the build of the same CMake tree is 12-18 % shorter with Ninja on
# ROS 2 interface packages (std_msgs 17.9 -> 15.3 s, test_msgs 23.4 ->
# 20.5 s, rcl_interfaces 13.4 -> 11.2 s: the Makefiles' recursive make and
# dependency scanning for hundreds of generated files) and its install
# half as long (0.67 -> 0.32 s); compile-bound packages (rclcpp) build in
# the same time either way.  The files built and installed are the same.
# Kept on Makefiles: a tree whose CMake code runs `$(MAKE)` (make syntax
# that only the Makefile generator expands), a rules file that names
# another build system or none, and an image without ninja.
# The load limit of the build (-lN in MAKEFLAGS, see container_specs.py)
# goes to ninja too, which does not read MAKEFLAGS.
command=${0##*/}
separator=$(printf '\036')
uses_make_syntax() {
    # (the build directories bloom's rules make in the tree, .obj-*, are
    # CMake's own output)
    grep -rqsF --include=CMakeLists.txt --include='*.cmake' \
        --exclude-dir='.obj-*' --exclude-dir='obj-*' '$(MAKE)' .
}
# one option word: the cmake build system gets +ninja; the last word naming
# a build system decides (as debhelper reads them)
rewrite() {
    case $1 in
        --buildsystem=cmake|-O--buildsystem=cmake|-Scmake|-O-Scmake)
            word="$1+ninja"; ninja=yes ;;
        --buildsystem=*|-O--buildsystem=*|-S?*|-O-S?*)
            word=$1; ninja=no ;;
        *) word=$1 ;;
    esac
}
ninja=no
options=yes
if command -v ninja >/dev/null 2>&1 && ! uses_make_syntax; then
    # dh passes its options to an override target's command in
    # DH_INTERNAL_OPTIONS (separated by \036), to the others on the
    # command line; debhelper reads the first before the second
    if [ -n "${DH_INTERNAL_OPTIONS:-}" ]; then
        rebuilt=
        saved_ifs=$IFS
        IFS=$separator
        set -f
        for option in $DH_INTERNAL_OPTIONS; do
            rewrite "$option"
            rebuilt="${rebuilt:+$rebuilt$separator}$word"
        done
        set +f
        IFS=$saved_ifs
        DH_INTERNAL_OPTIONS=$rebuilt
        export DH_INTERNAL_OPTIONS
    fi
    for argument do
        shift
        if [ "$options" = yes ]; then
            case $argument in
                --) options=no ;;
                *) rewrite "$argument"; argument=$word ;;
            esac
        fi
        set -- "$@" "$argument"
    done
fi
if [ "$ninja" = yes ] && [ "$command" = dh_auto_build ]; then
    load=$(printf '%s\n' "${MAKEFLAGS:-}" | sed -n 's/.*-l *\([0-9][0-9.]*\).*/\1/p')
    if [ -n "$load" ] && [ "$options" = yes ]; then
        set -- "$@" -- "-l$load"
    elif [ -n "$load" ]; then
        set -- "$@" "-l$load"
    fi
fi
exec "/usr/bin/$command" "$@"
