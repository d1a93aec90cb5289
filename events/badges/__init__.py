"""Badges: signed QR tokens, badge PDFs and print sheets."""
