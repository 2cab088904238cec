"""What the app shows and decides about images, without Qt: the catalog the browser
filters, the review pass and the lists it starts from.

Kept apart from :mod:`labeldesk.gui` so the logic can be tested, benchmarked and reused
without a display; the widgets only draw what these modules compute.
"""
