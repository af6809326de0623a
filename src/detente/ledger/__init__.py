"""The co-signed record: an RFC 9162 Merkle log per line, checkpoints, proofs and bundles."""

__all__: list[str] = []
