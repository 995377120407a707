"""The onboarding service layer; knows nothing of chat, cards or Flask."""
