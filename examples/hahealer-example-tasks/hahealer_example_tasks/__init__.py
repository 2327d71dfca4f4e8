"""An example of a recovery task shipped in its own package."""
