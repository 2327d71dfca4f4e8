"""Fencing parameters encrypted at rest with Fernet keys from the
configuration.

``[fencing] secret_keys`` lists Fernet keys: the first encrypts, every one
decrypts (MultiFernet), so a key is rotated by putting a new one first,
running ``hahealer-manage fencing encrypt`` (every row is written again
with the first key) and then dropping the old one. Without keys,
parameters are stored as they are, and rows stored encrypted cannot be
read: the error says which option to set.

Encryption happens in the column type (:class:`EncryptedJSON`), so no
code that reads or writes a host handles ciphertext.
"""

import json

import sqlalchemy as sa
from cryptography import fernet

from hahealer import exception

#: the key under which a row's encrypted parameters are stored
FIELD = 'fernet'

_cipher = None


def use_keys(keys: list[str] | None) -> None:
    """Encrypt with ``keys`` (Fernet keys, the first encrypts) from now on
    in this process; an empty list stores parameters unencrypted."""
    global _cipher
    keys = [key.strip() for key in keys or () if key.strip()]
    if not keys:
        _cipher = None
        return
    ciphers = []
    for index, key in enumerate(keys):
        try:
            ciphers.append(fernet.Fernet(key))
        except (ValueError, TypeError):
            # Never quote the key: it is a secret.
            raise exception.ConfigurationError(
                reason=f'[fencing] secret_keys: key {index + 1} is not a '
                       f'Fernet key (32 url-safe base64-encoded bytes; '
                       f'make one with "hahealer-manage fencing '
                       f'generate-key")') from None
    _cipher = fernet.MultiFernet(ciphers)


def generate_key():
    return fernet.Fernet.generate_key().decode()


def is_encrypted(value):
    return isinstance(value, dict) and set(value) == {FIELD}


def encrypt(params):
    if _cipher is None or not params:
        return params
    token = _cipher.encrypt(json.dumps(params).encode())
    return {FIELD: token.decode()}


def decrypt(value):
    if not is_encrypted(value):
        return value
    if _cipher is None:
        raise exception.ConfigurationError(
            reason='fencing parameters are stored encrypted: set '
                   '[fencing] secret_keys to the keys that encrypted them')
    try:
        return json.loads(_cipher.decrypt(value[FIELD].encode()))
    except fernet.InvalidToken:
        raise exception.ConfigurationError(
            reason='fencing parameters are stored encrypted with a key '
                   'that [fencing] secret_keys does not list') from None


class EncryptedJSON(sa.TypeDecorator):
    """A JSON column whose dicts are stored Fernet-encrypted."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return encrypt(value)

    def process_result_value(self, value, dialect):
        return decrypt(value)
