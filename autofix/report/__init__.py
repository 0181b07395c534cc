"""Reports of a run (Markdown, HTML, JSON) and comparisons of runs and policies."""
