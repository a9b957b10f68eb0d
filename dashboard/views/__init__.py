"""Small Viewer components; each takes the DataStore and implements __panel__."""
