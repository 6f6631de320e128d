"""One module per assignment, each defining ``PARTS``: the autograded parts of that assignment's notebook."""
