"""Chuhai in Slack (slack-bolt): mentions, direct messages and /chuhai, one Chuhai thread
per Slack thread, progress while a run works, Block Kit answers, charts as images, and
Approve / Reject buttons for operators.

- config.py: which way in (Socket Mode with an app token, else HTTP mode with a signing secret)
- app.py: the Bolt app; listeners/__init__.py registers every listener, in one place
- service.py: what a message or a click does (roles, refusals, errors as replies)
- blocks.py, progress.py, charts.py: what is sent back; text.py, operators.py: helpers
- http.py: POST /slack/events on the API app; socket_mode.py: started by `chuhai serve`
- manifest.yaml: the app manifest to paste into Slack (README, "Adding Slack")
"""
