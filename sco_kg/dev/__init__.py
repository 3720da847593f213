"""Maintainer scripts: golden files, generated documents. Imported by nobody in the package."""
