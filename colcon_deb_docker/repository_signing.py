# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Signing the repository's Release file with GnuPG (python-gnupg).

With a key id the invoking user's keyring is used (``$GNUPGHOME`` or
``~/.gnupg``).  With a key file the secret key is imported into a private,
temporary keyring that is deleted, its gpg-agent stopped, when the run
ends, so the key never lands in the user's keyring, in an image or in a
container.  Its path is recorded in the build base: a run killed before it
could clean up is cleaned up after by the next run of that build base.
Signatures are made on the host; nothing of the key is ever logged.
"""

import logging
import os
from pathlib import Path
import shutil
import subprocess
import tempfile

from colcon_deb_docker.errors import DebDockerError
import gnupg

# python-gnupg logs every non-zero exit of gpg as a warning ("gpg returned
# a non-zero error code: 2" for a key file holding no key), which colcon
# prints beside the one error this module raises with what to do
logging.getLogger('gnupg').setLevel(logging.ERROR)


class SigningError(DebDockerError):
    """The repository cannot be signed with the given key."""


def _looks_like_key_material(text):
    """Return whether a --sign-key-file argument is a key, not a path."""
    text = str(text)
    return ('PGP' in text and '-----' in text) or '\n' in text or \
        len(text) > 1024


class RepositorySigner:
    """Makes ``Release.gpg`` and ``InRelease`` for a Release file."""

    def __init__(self, *, key_id=None, key_file=None, record=None):
        """Find the secret key (or import it from `key_file`).

        :param record: a file that names the temporary keyring while it
          exists (see :func:`remove_stale_keyring`)
        :raises SigningError: if no usable secret key is found
        """
        if shutil.which('gpg') is None:
            raise SigningError(
                'signing needs GnuPG: install it (apt-get install gnupg)')
        self._home = None
        self._record = record
        if key_file is not None:
            self._home = tempfile.mkdtemp(prefix=KEYRING_PREFIX)
            if record is not None:
                Path(record).write_text(self._home + '\n')
            self.gpg = gnupg.GPG(gnupghome=self._home)
            if _looks_like_key_material(key_file):
                # a CI secret passed by value instead of by file: never
                # echo it into a log
                self.close()
                raise SigningError(
                    '--sign-key-file expects the path of a key file, but '
                    'was given key material itself (not shown); write the '
                    'key to a file and pass its path')
            try:
                data = Path(key_file).read_bytes()
            except (OSError, ValueError) as e:
                self.close()
                raise SigningError(
                    f'--sign-key-file {key_file}: '
                    f'{getattr(e, "strerror", None) or e}') from None
            result = self.gpg.import_keys(data)
            secret = self.gpg.list_keys(secret=True)
            if not result.count or not secret:
                self.close()
                raise SigningError(
                    f'--sign-key-file {key_file}: no secret key in it')
            key_id = key_id or secret[0]['fingerprint']
        else:
            self.gpg = gnupg.GPG()
        matches = [k for k in self.gpg.list_keys(secret=True)
                   if key_id and _names_key(key_id, k)]
        if len(matches) > 1:
            self.close()
            raise SigningError(
                f'--sign-key {key_id!r} names {len(matches)} secret keys ('
                + ', '.join(k['fingerprint'] for k in matches) + '): pass '
                'the fingerprint of the one to sign with')
        if not matches:
            self.close()
            raise SigningError(
                f'no secret key {key_id!r} in the GnuPG keyring '
                f"({self.gpg.gnupghome or '~/.gnupg'}); list them with "
                '`gpg --list-secret-keys`')
        self.fingerprint = matches[0]['fingerprint']

    def sign(self, data):
        """Return ``(detached armored signature, clear-signed text)``."""
        detached = self.gpg.sign(
            data, keyid=self.fingerprint, detach=True, binary=False)
        clear = self.gpg.sign(
            data, keyid=self.fingerprint, clearsign=True)
        if not detached.data or not clear.data:
            raise SigningError(
                f'gpg could not sign with {self.fingerprint} (a key with a '
                'passphrase needs a running gpg-agent that knows it): '
                f'{detached.status or clear.status}')
        return detached.data, clear.data

    def verify(self, clear_signed):
        """Return whether a clear-signed text has a good signature of ours.

        The self-check of a signed repository.
        """
        result = self.gpg.verify(clear_signed)
        return bool(result.valid) and result.fingerprint is not None and \
            result.pubkey_fingerprint == self.fingerprint

    def public_key(self, *, armor):
        """Return the exported public key (binary or ASCII-armored)."""
        key = self.gpg.export_keys(self.fingerprint, armor=armor)
        return key.encode() if isinstance(key, str) else key

    def close(self):
        """Delete the temporary keyring, if one was made."""
        if self._home:
            _delete_keyring(self._home)
            self._home = None
            if self._record is not None:
                Path(self._record).unlink(missing_ok=True)


def _names_key(key_id, key):
    """Return whether `key_id` names a key exactly.

    That is its fingerprint or key id (the last 8 or 16 hex digits, ``0x``
    allowed), one of its user ids, or the e-mail address of one.  Never a
    substring: a key whose e-mail merely contains the one given is another
    key.
    """
    wanted = key_id.strip()
    hex_id = wanted.upper().removeprefix('0X')
    if len(hex_id) in (8, 16, 40) and \
            all(c in '0123456789ABCDEF' for c in hex_id):
        return key['fingerprint'].upper().endswith(hex_id)
    for uid in key['uids']:
        email = uid.rsplit('<', 1)[-1].rstrip('>') if '<' in uid else None
        if wanted in (uid, email, f'<{email}>'):
            return True
    return False


#: the name of the file in the build base that names a temporary keyring
KEYRING_RECORD = '.signing-keyring'
KEYRING_PREFIX = 'colcon-deb-gnupg-'


def _delete_keyring(home):
    """Stop the keyring's gpg-agent and delete it."""
    subprocess.run(
        ['gpgconf', '--homedir', home, '--kill', 'gpg-agent'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    shutil.rmtree(home, ignore_errors=True)


def remove_stale_keyring(build_base):
    """Delete the keyring a killed run of this build base left behind.

    :returns: the path deleted, or None
    """
    record = Path(build_base) / KEYRING_RECORD
    try:
        home = Path(record.read_text().strip())
    except OSError:
        return None
    deleted = None
    # only what the record can name: one of our temporary keyrings
    if home.name.startswith(KEYRING_PREFIX) and home.is_dir() and \
            not home.is_symlink() and home.stat().st_uid == os.getuid():
        _delete_keyring(str(home))
        deleted = home
    record.unlink(missing_ok=True)
    return deleted
