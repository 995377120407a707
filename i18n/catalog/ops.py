"""Messages the bot sends on its own about its operation: key -> {"en": ..., "cs": ...}."""

MESSAGES: dict[str, dict[str, str]] = {
    "ops.refresh_token_expiring": {
        "en": (
            "**The bot's admin access runs out in {days} days** ({date}): the OAuth refresh "
            "token of its integration expires then, and subscriber and user commands will stop "
            "working. Authorize the integration again as the partner administrator and set the "
            "new refresh token (`WEBEX_REFRESH_TOKEN`), then restart the bot."
        ),
        "cs": (
            "**Administrátorský přístup bota vyprší za {days} dní** ({date}): tehdy vyprší "
            "obnovovací token OAuth jeho integrace a příkazy pro předplatitele a uživatele "
            "přestanou fungovat. Autorizujte integraci znovu jako partnerský administrátor, "
            "nastavte nový obnovovací token (`WEBEX_REFRESH_TOKEN`) a bota restartujte."
        ),
    },
}
