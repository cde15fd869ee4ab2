"""The HTTP layer: one module per resource. Handlers parse, call ``app.queries``, raise or return."""
