"""String tables, one module per section; see explorer/i18n.py."""
