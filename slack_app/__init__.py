"""Slack Bolt app (Socket Mode or HTTP): arrives with the chat-ops issue. Empty until then."""
