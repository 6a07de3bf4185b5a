"""The staff pages: server-rendered Django templates with htmx, calling the same services and the
same access rules as the API (no business rule in a view or a template)."""
