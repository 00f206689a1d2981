"""Slack listeners, registered in this one place: arrive with the chat-ops issue."""
