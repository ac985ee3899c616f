"""Search over lessons, modules and documents through a maintained inverted index (search_terms)."""
