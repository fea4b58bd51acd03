"""Reports for people: the HTML summary and findings as CSV."""
