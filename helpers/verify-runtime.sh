#!/bin/sh
# Verification, second step (root, after verify-install.sh): prove that
# what the given packages install can run, in the environment a user gets
# by sourcing /opt/ros/<distro>/setup.sh:
#  - every ELF file resolves all its shared libraries (ldd: no "not found"),
#    those under the ROS prefix from packages it depends on;
#  - every Python package they install imports;
#  - every executable in <prefix>/bin and <prefix>/lib/<package>/ starts
#    (`--help`, 5 s, as nobody; still running then counts as started): a
#    loader error or an ImportError is a failure, any other exit status is
#    not.
# Each failure is one progress line "verify runtime-failed" naming the
# package to blame and what is missing; a missing library is looked up in
# the repository's .debs, so the message says which package ships it.
set -u
. "$(dirname "$0")/progress.sh"
prefix="/opt/ros/$COLCON_DEB_ROS_DISTRO"
scratch=$(mktemp -d)
failed=0

if [ -f "$prefix/setup.sh" ]; then
    # setup files may read unset variables
    set +u
    . "$prefix/setup.sh"
    set -u
else
    progress verify warning "no package installs $prefix/setup.sh (add ros_workspace, or catkin for ROS 1, to the workspace or build against a repository that has it); checking with $prefix/lib on the library path"
    multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
    export LD_LIBRARY_PATH="$prefix/lib${multiarch:+:$prefix/lib/$multiarch}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export PATH="$prefix/bin:$PATH"
    pyver=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
    # ament's and setuptools' directories, and catkin's on Debian
    # (lib/python3/dist-packages, where ROS 1 message packages put theirs)
    [ -n "$pyver" ] && export PYTHONPATH="$prefix/lib/python$pyver/site-packages:$prefix/local/lib/python$pyver/dist-packages:$prefix/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
fi

fail() {
    progress verify runtime-failed "$1"
    failed=1
}

# which .deb of the repository ships a file named $1
shipped_by() {
    find "$COLCON_DEB_REPO/pool" -name '*.deb' 2>/dev/null | sort -r \
    | while read -r deb; do
        if dpkg-deb -c "$deb" 2>/dev/null | grep -q "/$1\$"; then
            dpkg-deb -f "$deb" Package
            break
        fi
    done
}

is_elf() {
    [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}

# the package that installed file $1 (cached: many ELF files share libraries)
owner_of() {
    cached=$(grep -m 1 "^$1 " "$scratch/owners" 2>/dev/null | cut -d ' ' -f 2)
    if [ -z "$cached" ]; then
        cached=$(dpkg-query -S "$1" 2>/dev/null | sed -n '1{s/: .*//;s/:.*//;s/,.*//;p}')
        echo "$1 ${cached:--}" >> "$scratch/owners"
    fi
    [ "$cached" = - ] || echo "$cached"
}

# every installed package $1 depends on, recursively (and itself)
closure() {
    apt-cache depends --recurse --installed --no-recommends --no-suggests \
        --no-conflicts --no-breaks --no-replaces --no-enhances "$1" \
        2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u
}

# All of installed file $2's libraries are found, and each one under the
# ROS prefix (where dpkg-shlibdeps maps nothing) comes from a package that
# $1 depends on: everything is installed here, so "found" alone would hide
# a dependency nobody declared.  $3: the closure of $1.
check_libraries() {  # package file closure
    ldd "$2" > "$scratch/ldd" 2>&1 || return 0  # not dynamic: nothing to do
    grep 'not found' "$scratch/ldd" | awk '{print $1}' | sort -u \
    | while read -r missing; do
        owner=$(shipped_by "$missing")
        if [ -n "$owner" ]; then
            echo "$1: $2 needs $missing, shipped by $owner, which $1 does not depend on"
        else
            echo "$1: $2 needs $missing, which no installed package and no package of the repository ships"
        fi
    done > "$scratch/missing"
    sed -n "s|^[[:space:]]*\([^ ]*\) => \($prefix/[^ ]*\) .*|\1 \2|p" \
        "$scratch/ldd" | while read -r soname path; do
        owner=$(owner_of "$path")
        if [ -n "$owner" ] && ! grep -qx "$owner" "$3"; then
            echo "$1: $2 needs $soname, shipped by $owner, which $1 does not depend on"
        fi
    done >> "$scratch/missing"
    while read -r line; do fail "$line"; done < "$scratch/missing"
}

check_imports() {  # package python-package-dir
    command -v python3 >/dev/null || {
        fail "$1: installs the Python package $(basename "$2") but python3 is not installed (missing dependency on python3)"
        return
    }
    module=$(basename "$2")
    if ! (cd / && python3 -c "import $module") > "$scratch/py" 2>&1; then
        fail "$1: 'import $module' fails: $(tail -n 1 "$scratch/py")"
    fi
}

# the package's own programs run as nobody, with no capability and a home
# of their own (ROS writes logs there), never as root; up to 8 at once, in
# the background: most programs of a ROS package do not exit on --help, so
# each one takes its whole 5 s (the ROS 2 core's examples: 21 checks, 52 s
# one after the other)
run_home=$(mktemp -d)
chown 65534:65534 "$run_home"
started=0
start_check() {  # package executable
    started=$((started + 1))
    echo "$1 $2" > "$scratch/start.$started.what"
    (
        cd "$run_home" && HOME="$run_home" timeout -k 1 5 \
            setpriv --reuid=65534 --regid=65534 --clear-groups \
            --inh-caps=-all --bounding-set=-all "$2" --help < /dev/null \
            > "$scratch/start.$started.out" 2>&1
        echo $? > "$scratch/start.$started.rc"
    ) &
    [ $((started % 8)) -ne 0 ] || wait
}
# what a program that cannot start prints
start_errors='error while loading shared libraries|ModuleNotFoundError|ImportError|No module named|cannot open shared object'
# wait for the programs started so far, and judge each one
judge_starts() {
    wait
    for what in "$scratch"/start.*.what; do
        [ -f "$what" ] || continue
        run=${what%.what}
        read -r owner program < "$what"
        rc=$(cat "$run.rc" 2>/dev/null || echo 1)
        if grep -E -q "$start_errors" "$run.out"; then
            fail "$owner: $program does not start: $(grep -E -m 1 "$start_errors" "$run.out")"
        elif [ "$rc" = 127 ] || [ "$rc" = 126 ]; then
            fail "$owner: $program cannot be executed: $(tail -n 1 "$run.out")"
        fi
        rm -f "$run.what" "$run.out" "$run.rc"
    done
}

for package in "$@"; do
    checked=0
    dpkg-query -L "$package" > "$scratch/files" 2>/dev/null || continue
    closure "$package" > "$scratch/closure"
    while read -r file; do
        [ -f "$file" ] && [ ! -L "$file" ] || continue
        case "$file" in /usr/lib/debug/*) continue ;; esac
        if is_elf "$file"; then
            check_libraries "$package" "$file" "$scratch/closure"
            checked=$((checked + 1))
        fi
        case "$file" in
            */site-packages/*/__init__.py|*/dist-packages/*/__init__.py)
                dir=$(dirname "$file")
                case "$(basename "$(dirname "$dir")")" in
                    site-packages|dist-packages)
                        check_imports "$package" "$dir"
                        checked=$((checked + 1)) ;;
                esac ;;
        esac
        case "$file" in
            "$prefix"/bin/*|"$prefix"/lib/*/*)
                if [ -x "$file" ] && [ "$(dirname "$file")" != "$prefix/lib" ]
                then
                    case "$file" in
                        *.so|*.so.*|*.py|*.pyc|*/site-packages/*|*/dist-packages/*|*/cmake/*|*/pkgconfig/*) ;;
                        *) start_check "$package" "$file"
                           checked=$((checked + 1)) ;;
                    esac
                fi ;;
        esac
    done < "$scratch/files"
    judge_starts
    progress verify runtime "$package: $checked check(s)"
done
rm -rf "$scratch" "$run_home"
exit "$failed"
