"""content/ as files: the reference curricula and their import and export."""
