"""One module per CLI command; ``profscout.cli`` loads them lazily."""
