"""Scheduled autonomous runs (APScheduler): arrive with the chat-ops issue. Empty until then."""
