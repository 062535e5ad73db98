# Sourced by the other helpers: structured progress for the host.
# `progress STEP STATUS [MESSAGE]` prints one line the host turns into a
# colcon JobProgress event.  JSON is written by python3 so that any message
# (commas, quotes, newlines) survives.
progress() {
    python3 -c 'import json, sys
print("::colcon-deb:: " + json.dumps(
    {"step": sys.argv[1], "status": sys.argv[2], "message": sys.argv[3]}),
    flush=True)' "$1" "$2" "${3:-}"
}

# Run a command as the build user (root orchestrates; only the steps that
# need root keep it).  setpriv, not sudo: sudo needs setuid, which fails under
# QEMU emulation and is blocked by no-new-privileges anyway.
as_build_user() {
    if [ "$HOST_UID" = 0 ]; then
        "$@"
    else
        setpriv --reuid="$HOST_UID" --regid="$HOST_GID" --init-groups \
            --inh-caps=-all "$@"
    fi
}
