# Sourced by the other helpers: structured progress for the host.
# `progress STEP STATUS [MESSAGE]` prints one line the host turns into a
# colcon JobProgress event.  The payload is JSON, escaped here in plain POSIX
# shell (no python3: a bare base image used by --verify has none), so that
# any message (commas, quotes, backslashes) survives; newlines become spaces.
json_string() {
    printf '"%s"' "$(printf '%s' "$1" | tr '\n\r' '  ' \
        | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g')"
}

progress() {
    printf '::colcon-deb:: {"step": %s, "status": %s, "message": %s}\n' \
        "$(json_string "$1")" "$(json_string "$2")" "$(json_string "${3:-}")"
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
