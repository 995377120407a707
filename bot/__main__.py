"""``python -m bot``: the same entry point as the ``onboard-bot`` console script."""

from bot.cli import main

if __name__ == "__main__":
    main(prog_name="onboard-bot")
