"""Transports carry the link's frames: TCP with TLS 1.3 first; relays and couriers later."""

__all__: list[str] = []
