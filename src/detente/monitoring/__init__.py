"""Running the station like the rest of the operations centre: Prometheus metrics, health
checks for load balancers, systemd's readiness and watchdog, and ``detente doctor``."""

__all__: list[str] = []
