"""The chat command language: a registry of typed commands, their parsing and their handlers.

Each family module registers its commands on import (in the order ``help`` lists them); adding one
is a module, a test and a line here. ``commands.runner`` runs a message or a card action. Every
command's Czech names are in ``commands.czech``, registered once all commands are.
"""

from commands import help, status, users, export, template, states, digest, confirm, audit, language  # noqa: I001
from commands import history, why, watch, trend, bulk
from commands.czech import name_commands_in_czech
from commands.registry import REGISTRY

name_commands_in_czech(REGISTRY)

__all__ = [
    "audit",
    "bulk",
    "confirm",
    "digest",
    "export",
    "help",
    "history",
    "language",
    "states",
    "status",
    "template",
    "trend",
    "users",
    "watch",
    "why",
]
