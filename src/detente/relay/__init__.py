"""The relay: a third party's store-and-forward service that carries sealed link sessions
between stations without being able to read or alter them."""

__all__: list[str] = []
