# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Signing the repository's Release file with GnuPG (python-gnupg).

With a key id the invoking user's keyring is used (``$GNUPGHOME`` or
``~/.gnupg``).  With a key file the secret key is imported into a private,
temporary keyring that is deleted when the run ends, so the key never
lands in the user's keyring, in an image or in a container.  Signatures are
made on the host; nothing of the key is ever logged.
"""

from pathlib import Path
import shutil
import subprocess
import tempfile

from colcon_deb_docker.errors import DebDockerError
import gnupg


class SigningError(DebDockerError):
    """The repository cannot be signed with the given key."""


class RepositorySigner:
    """Makes ``Release.gpg`` and ``InRelease`` for a Release file."""

    def __init__(self, *, key_id=None, key_file=None):
        """Find the secret key (or import it from `key_file`).

        :raises SigningError: if no usable secret key is found
        """
        if shutil.which('gpg') is None:
            raise SigningError(
                'signing needs GnuPG: install it (apt-get install gnupg)')
        self._home = None
        if key_file is not None:
            self._home = tempfile.mkdtemp(prefix='colcon-deb-gnupg-')
            self.gpg = gnupg.GPG(gnupghome=self._home)
            try:
                data = Path(key_file).read_bytes()
            except OSError as e:
                self.close()
                raise SigningError(
                    f'--sign-key-file {key_file}: {e.strerror}') from None
            result = self.gpg.import_keys(data)
            secret = self.gpg.list_keys(secret=True)
            if not result.count or not secret:
                self.close()
                raise SigningError(
                    f'--sign-key-file {key_file}: no secret key in it')
            key_id = key_id or secret[0]['fingerprint']
        else:
            self.gpg = gnupg.GPG()
        matches = [
            k for k in self.gpg.list_keys(secret=True)
            if key_id and (k['fingerprint'].endswith(key_id.upper()) or any(
                key_id.lower() in uid.lower() for uid in k['uids']))]
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
        """Return whether a clear-signed text carries a good signature of
        this key (the self-check of a signed repository)."""
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
            subprocess.run(
                ['gpgconf', '--homedir', self._home, '--kill', 'gpg-agent'],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                check=False)
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None
