"""Trusted documents: the operations clients registered, named by the SHA-256 of their text.

A storefront's key is public, so in production a storefront may only send documents
registered ahead of time: from the manifest file (`TRUSTED_DOCUMENTS_FILE`, read at start) or
through the admin mutation `registerTrustedDocument` (`gateway.api.trusted_documents`; kept
in the gateway state, Redis when the store is Redis). A request names one by `documentId`
("sha256:HEX") or, in Apollo's automatic persisted-query protocol, by
`extensions.persistedQuery.sha256Hash`. Documents that APQ clients teach the gateway are kept
apart (a day, namespace `apq`) and never become trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from gateway.ops.settings import SettingsError
from gateway.ops.state import GatewayState

APQ_TTL_SECONDS = 24 * 3600
MAX_DOCUMENT_CHARS = 20_000


class ManifestError(SettingsError):
    """The manifest file can't be used; the message names the file and the entry."""


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_document_id(raw: str) -> str | None:
    """The hex digest of "sha256:HEX" (or a bare HEX); None when it is neither."""
    value = raw.strip().lower().removeprefix("sha256:")
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def load_manifest(path: Path) -> dict[str, str]:
    """A JSON object {"sha256:HEX": document}, or Apollo's persisted-query manifest
    ({"operations": [{"id", "body"}]}); every id must be the SHA-256 of its document."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path}: {error}") from None
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        pairs = [(str(op.get("id", "")), str(op.get("body", ""))) for op in raw["operations"]]
    elif isinstance(raw, dict):
        pairs = [(str(k), str(v)) for k, v in raw.items()]
    else:
        raise ManifestError(f"{path}: expected a JSON object")
    documents: dict[str, str] = {}
    for given, text in pairs:
        digest = parse_document_id(given)
        if digest is None or digest != digest_of(text):
            raise ManifestError(f"{path}: entry {given[:80]!r} is not the SHA-256 of its document")
        documents[digest] = text
    return documents


class TrustedDocuments:
    """The registry: the manifest, what admins registered, and APQ's own cache."""

    def __init__(self, manifest: Mapping[str, str], state: GatewayState) -> None:
        self._manifest = dict(manifest)
        self._state = state

    async def trusted(self, digest: str) -> str | None:
        found = self._manifest.get(digest)
        if found is not None:
            return found
        return await self._state.document("trusted", digest)

    async def register(self, text: str) -> str:
        digest = digest_of(text)
        if digest not in self._manifest:
            await self._state.put_document("trusted", digest, text, ttl_seconds=None)
        return digest

    async def persisted(self, digest: str) -> str | None:
        """A document by hash for APQ: trusted ones first, then those APQ clients sent."""
        found = await self.trusted(digest)
        return found if found is not None else await self._state.document("apq", digest)

    async def remember(self, digest: str, text: str) -> None:
        await self._state.put_document("apq", digest, text, ttl_seconds=APQ_TTL_SECONDS)
