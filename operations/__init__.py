"""Running quytrinh for real: backups that restore, health and metrics, the first run of a server."""
