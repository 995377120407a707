"""The chat command language: a registry of typed commands and their parsing."""
