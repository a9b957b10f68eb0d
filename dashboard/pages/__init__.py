"""The dashboard's pages, one module each; a page composes views over one DataStore."""
