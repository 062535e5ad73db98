# Sourced by the other helpers: structured progress for the host.
# `progress STEP STATUS [MESSAGE]` prints one line the host turns into a
# colcon JobProgress event.  The payload is JSON, escaped here in plain POSIX
# shell (no python3: a bare base image used by --verify has none), so that
# any message (commas, quotes, backslashes) survives; newlines become spaces.
# A value with nothing to escape (nearly all) costs no process at all: a
# build prints some twenty lines, which cost 11 ms each with a tr and a sed
# for every value (more under QEMU).
_progress_tab=$(printf '\t')
_progress_cr=$(printf '\r')
_progress_nl='
'

# set $json to the JSON string of $1
json_quote() {
    case $1 in
        *\\*|*\"*|*"$_progress_tab"*|*"$_progress_cr"*|*"$_progress_nl"*)
            json="\"$(printf '%s' "$1" | tr '\n\r' '  ' \
                | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g')\"" ;;
        *)
            json="\"$1\"" ;;
    esac
}

progress() {
    json_quote "$1"
    _progress_step=$json
    json_quote "$2"
    _progress_status=$json
    json_quote "${3:-}"
    printf '::colcon-deb:: {"step": %s, "status": %s, "message": %s}\n' \
        "$_progress_step" "$_progress_status" "$json"
}

# Run a command as the build user (root orchestrates; only the steps that
# need root keep it).  setpriv, not sudo: sudo needs setuid, which fails under
# QEMU emulation and is blocked by no-new-privileges anyway.
# The build user is the host user, or an unprivileged stand-in (65532) when
# the host user is root; it runs with an empty bounding set, so no step
# after the setup can ever regain a capability.
as_build_user() {
    setpriv --reuid="$BUILD_UID" --regid="$BUILD_GID" --init-groups \
        --inh-caps=-all --bounding-set=-all "$@"
}
