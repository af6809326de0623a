"""The station's alarms: every condition a duty officer must act on, raised, silenced and ended."""

__all__: list[str] = []
