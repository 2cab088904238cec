from labeldesk.cli import run

run()
