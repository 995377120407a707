"""onboard-bot."""
