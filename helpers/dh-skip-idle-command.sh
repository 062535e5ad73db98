#!/bin/sh
# dh_auto_test, dh_testroot, dh_update_autotools_config, dh_prep,
# dh_installinit and dh_missing, first on PATH while dpkg-buildpackage runs
# (build-with-dpkg.sh copies it under each of those names): a command that
# provably has nothing to do in this tree exits at once; otherwise the next
# command of that name on PATH (debhelper's, or another wrapper) runs.
# Why: bloom's rules call `dh $@ -v --buildsystem=cmake --builddirectory=..`
# at compat 9, and with long options at compat <= 12 dh cannot trust the
# no-op hints these commands carry (an option could abbreviate one they
# read), so it starts each of them: 22-42 ms of perl apiece, about
# 0.19 s a package, most of it on the critical path of small packages.
# Each test below is the command's own first decision, made in the shell:
#  - dh_auto_test: DEB_BUILD_OPTIONS has nocheck (its first line exits);
#  - dh_testroot: nothing requires root (DEB_RULES_REQUIRES_ROOT=no, which
#    dpkg-buildpackage sets from Rules-Requires-Root), or the user is root;
#  - dh_update_autotools_config: no config.guess or config.sub in the tree
#    (the same find, hidden directories pruned);
#  - dh_prep: none of what it removes is there (a package's tree or
#    debian/tmp: any directory in debian/ but source/; *.debhelper and
#    substvars files; debian/.debhelper/generated);
#  - dh_installinit: none of the files its hint names (init, init.d,
#    default, upstart, service, tmpfile in debian/; tmpfiles.d in a
#    package's tree);
#  - dh_missing: compat 11 or lower (debian/compat) and neither
#    --list-missing nor --fail-missing: it does nothing, says its manual.
# Any option besides dh's -O-v, --buildsystem, --builddirectory and
# --(no-)parallel, and any DH_OPTIONS, runs the command: they could change
# what it does.  (dh reads the no-op hints from the first file of a
# command's name on PATH, this one, which has none: where dh would have
# skipped the command, it starts this script, which exits at once.)
# tests/e2e/test_dh_idle_commands.py runs each command and
# this script on the same trees and compares.
command=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

run_next() {
    # the next $command on PATH after this script's directory
    passed=no
    saved_ifs=$IFS
    IFS=:
    for directory in $PATH; do
        IFS=$saved_ifs
        if [ "$passed" = yes ] && [ -x "$directory/$command" ]; then
            exec "$directory/$command" "$@"
        fi
        [ "$(cd "$directory" 2>/dev/null && pwd)" = "$here" ] && passed=yes
    done
    IFS=$saved_ifs
    exec "/usr/bin/$command" "$@"
}

skipped() {
    echo "$command: nothing to do here ($1); skipped by colcon deb"
    exit 0
}

# the compat level debian/compat names (nothing when it names none)
compat_file_level() {
    sed -n '1s/^[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p' \
        debian/compat 2>/dev/null
}

# A command of debhelper that ends well records itself in each package's
# debian/<package>.debhelper.log at compat 9 and lower, and inside an
# override target (dh reads the log to resume a sequence, e.g. `binary`
# after `build`); dh_testroot and a dh_auto_test under nocheck do not.  A
# skip of the others records itself the same way, for the packages the
# command would have acted on: all of debian/control's when each one is
# for any architecture or all (anything else runs the command).
skipped_and_logged() {
    compat=$(compat_file_level)
    [ -z "${DH_COMPAT:-}" ] && [ -n "$compat" ] && \
        ! grep -qis 'debhelper-compat' debian/control || run_next "$@"
    if [ "$compat" -le 9 ] || [ -n "${DH_INTERNAL_OVERRIDE:-}" ]; then
        packages=$(awk -F: '
            tolower($1) == "package" { gsub(/[[:space:]]/, "", $2); print $2 }
            tolower($1) == "architecture" {
                gsub(/^[[:space:]]+|[[:space:]]+$/, "", $2)
                if ($2 != "any" && $2 != "all") print "!"
            }' debian/control 2>/dev/null)
        case "$packages" in ''|*!*) run_next "$@" ;; esac
        for package in $packages; do
            echo "$command" >> "debian/$package.debhelper.log"
        done
    fi
    skipped "$reason"
}

# options that do not change what these commands do
plain_options() {
    for option do
        case $option in
            -O-v|-v|-O--verbose|--verbose) ;;
            -O--buildsystem=*|-O--builddirectory=*|-O-S*|-O-B*) ;;
            -O--parallel|-O--no-parallel) ;;
            *) return 1 ;;
        esac
    done
    return 0
}

[ -z "${DH_OPTIONS:-}" ] || run_next "$@"
plain_options "$@" || run_next "$@"
if [ -n "${DH_INTERNAL_OPTIONS:-}" ]; then
    saved_ifs=$IFS
    IFS=$(printf '\036')
    set -f
    # shellcheck disable=SC2086
    plain_options $DH_INTERNAL_OPTIONS || { IFS=$saved_ifs; set +f; run_next "$@"; }
    set +f
    IFS=$saved_ifs
fi

# one of debian/'s entries (or a package tree's) matches a name pattern
debian_has() {
    for pattern do
        for path in debian/$pattern; do
            [ -e "$path" ] || [ -L "$path" ] && return 0
        done
    done
    return 1
}

case $command in
    dh_auto_test)
        case " ${DEB_BUILD_OPTIONS:-} " in
            *[[:space:]]nocheck[[:space:]]*) skipped "DEB_BUILD_OPTIONS=nocheck" ;;
        esac ;;
    dh_testroot)
        if [ "${DEB_RULES_REQUIRES_ROOT:-}" = no ] || [ "$(id -u)" = 0 ]; then
            skipped "nothing requires root"
        fi ;;
    dh_update_autotools_config)
        found=$(find . -mindepth 1 \( -type d -name '.*' -prune \) -o \
            -type f \( -name config.guess -o -name config.sub \) -print \
            | head -n 1)
        reason="no config.guess or config.sub"
        [ -n "$found" ] || skipped_and_logged "$@" ;;
    dh_prep)
        trees=no
        for path in debian/*/ debian/tmp debian/.debhelper/generated; do
            case $path in
                debian/source/|'debian/*/') ;;
                *) [ -e "$path" ] && trees=yes ;;
            esac
        done
        reason="no package tree, debian/tmp, substvars or snippets"
        if [ "$trees" = no ] && ! debian_has '*.debhelper' '*substvars'
        then
            skipped_and_logged "$@"
        fi ;;
    dh_installinit)
        reason="no init, default, upstart, service or tmpfile file"
        if ! debian_has '*init*' '*default*' '*upstart*' '*service*' \
                '*tmpfile*' '*/usr/lib/tmpfiles.d' '*/etc/tmpfiles.d'; then
            skipped_and_logged "$@"
        fi ;;
    dh_missing)
        compat=$(compat_file_level)
        reason="compat ${compat:-?} without --list-missing or --fail-missing"
        if [ -n "$compat" ] && [ "$compat" -le 11 ]; then
            skipped_and_logged "$@"
        fi ;;
esac
run_next "$@"
