"""Is anybody there? A person's acknowledgement of every message, deadlines by precedence,
escalation when nobody answers, watch checks, and the figures that show whether a line is manned."""

__all__: list[str] = []
