"""Student-style answers, one module per assignment (loaded by path: module names start with digits)."""
