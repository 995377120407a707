"""Argument specs shared by several command families."""

from __future__ import annotations

from commands.registry import ArgKind, ArgSpec

USER = ArgSpec("user", ArgKind.USER_REF)
EMAIL = ArgSpec("email", ArgKind.EMAIL)
PACKAGE = ArgSpec("package", ArgKind.PACKAGE)
CUSTOMER = ArgSpec("customer", ArgKind.CUSTOMER)
FILTERS = ArgSpec("filters", ArgKind.FILTERS, required=False, variadic=True)
