"""Projects: the record, its stages, the four lists and their exports."""
