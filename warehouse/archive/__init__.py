"""The archive store: reading Award Data Archive files, applying them, and reading the store back."""
