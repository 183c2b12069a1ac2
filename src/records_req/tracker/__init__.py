"""The tracker: requests, their events, deadlines and next steps."""
