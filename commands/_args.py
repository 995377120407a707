"""Argument specs shared by several command families."""

from __future__ import annotations

from commands.registry import ArgKind, ArgSpec

USER = ArgSpec("user", ArgKind.USER_REF)
EMAIL = ArgSpec("email", ArgKind.EMAIL)
PACKAGE = ArgSpec("package", ArgKind.PACKAGE)
CUSTOMER = ArgSpec("customer", ArgKind.CUSTOMER)
FILTERS = ArgSpec("filters", ArgKind.FILTERS, required=False, variadic=True)

# The structured inputs of the status card's filter form. They arrive as text and are checked by
# the handler with the converters typed filters use (status words, customer, search, a toggle),
# so the original words survive for the card's page buttons.
STATUS_INPUT = ArgSpec("status", ArgKind.TEXT, required=False)
CUSTOMER_INPUT = ArgSpec("customer", ArgKind.CUSTOMER, required=False)
SEARCH_INPUT = ArgSpec("search", ArgKind.TEXT, required=False)
EXCLUDE_PROVISIONED = ArgSpec("exclude_provisioned", ArgKind.TEXT, required=False)
LIST_INPUTS = (STATUS_INPUT, CUSTOMER_INPUT, SEARCH_INPUT, EXCLUDE_PROVISIONED, FILTERS)
