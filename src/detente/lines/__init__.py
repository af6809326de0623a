"""Lines of more than two stations: charters, members and roles, messages to several members."""

__all__: list[str] = []
