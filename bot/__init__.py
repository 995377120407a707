"""The Webex face of onboard-bot: everything that speaks Webex or runs the process."""
