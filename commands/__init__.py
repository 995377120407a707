"""The chat command language: a registry of typed commands, their parsing and their handlers.

Each family module registers its commands on import (in the order ``help`` lists them); adding one
is a module, a test and a line here. ``commands.runner`` runs a message or a card action.
"""

from commands import help, status, users, export, template, states, digest, confirm, audit  # noqa: I001
from commands import history, why, watch, trend

__all__ = [
    "audit",
    "confirm",
    "digest",
    "export",
    "help",
    "history",
    "states",
    "status",
    "template",
    "trend",
    "users",
    "watch",
    "why",
]
