"""The PySide6 desktop app. Only this package imports Qt.

Widgets are thin views over :mod:`labeldesk.core`: they call the same functions the CLI
calls, run long jobs through :mod:`labeldesk.gui.workers`, and keep no dataset logic.
"""
