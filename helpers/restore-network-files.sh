#!/bin/sh
# The build's first step, as root: write back the network files of the
# network namespace the build borrows (see network_namespaces.py on the
# host) as the engine made them for its holder.  They are the holder's own
# files, shared by every build that borrows that namespace, so a root step
# of an earlier build (a sibling's postinst) could have changed them (a
# name of the mirror pointed elsewhere) for every build after it; written
# back here, owner and mode too, before anything else runs, no build sees
# what another one wrote.  Nothing to do when the build has a namespace of
# its own (--isolate-network: the variables are not set).
set -eu

restore() {
    # $1: the file; $2: "set" when its variable is; $3: its content
    [ "$2" = set ] || return 0
    chown 0:0 "$1"
    chmod 644 "$1"
    printf '%s' "$3" > "$1"
}

restore /etc/hosts "${COLCON_DEB_ETC_HOSTS+set}" "${COLCON_DEB_ETC_HOSTS:-}"
restore /etc/resolv.conf "${COLCON_DEB_ETC_RESOLV_CONF+set}" \
    "${COLCON_DEB_ETC_RESOLV_CONF:-}"
restore /etc/hostname "${COLCON_DEB_ETC_HOSTNAME+set}" \
    "${COLCON_DEB_ETC_HOSTNAME:-}"
