"""The operator console: a web application each station serves, fully offline."""

__all__: list[str] = []
