"""The output folder: staged, swapped atomically, the user's own files kept."""
