"""Invitation and visa-support letters: templates per language, PDF rendering, signing, verification."""
