"""Mail: letters sent from the user's own mailbox (SMTP), the messages built, the account's settings."""
