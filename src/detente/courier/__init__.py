"""The offline courier: a line's undelivered messages carried as a file, on removable media or by
any e-mail, when every network path is down."""

__all__: list[str] = []
