"""One module per screen; modals in `modals.py`."""
