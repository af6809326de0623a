"""Is anybody there? Acknowledgements, deadlines, escalation, watch checks and figures."""
